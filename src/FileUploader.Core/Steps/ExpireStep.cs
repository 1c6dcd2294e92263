using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Core.Steps;

/// <summary>
/// Makes an expired file really gone: deletes the bytes first (the part that matters), then marks the record
/// Expired. A revoked record keeps its status, and a missing record still gets its bytes deleted. Idempotent.
/// </summary>
[Step("Expire")]
public sealed class ExpireStep(IFileCatalog catalog, IObjectStore store) : IStep<ExpireInput, ExpiredFile>
{
    public async Task<ExpiredFile> HandleAsync(ExpireInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var record = await catalog.GetFileAsync(input.FileId, cancellationToken);
        var deleted = await store.DeleteAsync(record?.ObjectKey ?? StorageKeys.File(input.FileId), cancellationToken);
        if (record is null)
        {
            return new ExpiredFile(input.FileId, deleted, null);
        }

        var status = record.Status;
        if (status == FileStatus.Available && await catalog.TrySetFileStatusAsync(input.FileId, FileStatus.Expired, cancellationToken))
        {
            status = FileStatus.Expired;
        }
        else if (status == FileStatus.Available)
        {
            // Changed between our read and our write (revoked, expired or deleted meanwhile): report what is there now.
            status = (await catalog.GetFileAsync(input.FileId, cancellationToken))?.Status ?? FileStatus.Expired;
        }

        return new ExpiredFile(input.FileId, deleted, status.ToString());
    }
}
