using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Core.Steps;

/// <summary>
/// Writes the file record with a conditional put owned by the execution. The expiry is fixed here, once: a re-run
/// (same execution) keeps the first record and returns its expiry, so the link and the expiry timer agree.
/// </summary>
[Step("Record")]
public sealed class RecordStep(IFileCatalog catalog, UploadPolicy policy, TimeProvider timeProvider) : IStep<RecordInput, RecordedFile>
{
    public async Task<RecordedFile> HandleAsync(RecordInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var upload = input.Upload;
        var session = await catalog.GetUploadAsync(upload.UploadId, cancellationToken)
            ?? throw new StepFailedException(ErrorNames.NotFound, $"There is no upload '{upload.UploadId}'.");

        var lifetime = session.LinkLifetime <= TimeSpan.Zero ? policy.DefaultLinkLifetime : session.LinkLifetime;
        if (lifetime > policy.MaxLinkLifetime)
        {
            lifetime = policy.MaxLinkLifetime;
        }

        var now = timeProvider.GetUtcNow();
        var uploadedAt = WholeSeconds(now);
        var record = new FileRecord(
            Id: upload.FileId,
            UploadId: upload.UploadId,
            OriginalFileName: upload.FileName,
            UploadedAt: uploadedAt,
            ExpiresAt: WholeSeconds(now + lifetime),
            ObjectKey: StorageKeys.File(upload.FileId),
            DownloadCount: 0,
            Size: upload.Size,
            ContentType: upload.ContentType,
            Sha256: upload.Sha256,
            Status: FileStatus.Available,
            ExecutionId: input.ExecutionId,
            DeleteTokenHash: session.DeleteTokenHash,
            MaxDownloads: session.MaxDownloads);
        await catalog.PutFileAsync(record, cancellationToken);

        var stored = await catalog.GetFileAsync(record.Id, cancellationToken)
            ?? throw new StepFailedException(ErrorNames.NotFound, $"The record of '{record.Id}' vanished after it was written.", retryable: true);
        return new RecordedFile(stored.Id, stored.ObjectKey, stored.ExpiresAt);
    }

    /// <summary>Rounded down: links carry whole seconds, and a link must never outlive its file.</summary>
    private static DateTimeOffset WholeSeconds(DateTimeOffset time) =>
        DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());
}
