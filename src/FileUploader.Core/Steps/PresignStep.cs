using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Core.Steps;

/// <summary>
/// Mints the direct download link, valid until the record's expiry and never longer than the policy allows.
/// Signing is deterministic for the same record, so a re-run gives the same link.
/// </summary>
[Step("Presign")]
public sealed class PresignStep(IFileCatalog catalog, ILinkSigner signer, UploadPolicy policy, TimeProvider timeProvider)
    : IStep<FileRef, PresignedLink>
{
    public async Task<PresignedLink> HandleAsync(FileRef input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var record = await catalog.GetFileAsync(input.FileId, cancellationToken)
            ?? throw new StepFailedException(ErrorNames.NotFound, $"There is no file '{input.FileId}'.");
        if (record.Status != FileStatus.Available)
        {
            throw new StepFailedException(ErrorNames.NotFound, $"The file '{input.FileId}' is {record.Status.ToString().ToLowerInvariant()}.");
        }

        var latest = timeProvider.GetUtcNow() + policy.MaxLinkLifetime;
        var expiresAt = record.ExpiresAt < latest ? record.ExpiresAt : latest;
        var url = signer.CreateDownloadUrl(record.ObjectKey, record.OriginalFileName, expiresAt);
        return new PresignedLink(record.Id, url.AbsoluteUri, expiresAt);
    }
}
