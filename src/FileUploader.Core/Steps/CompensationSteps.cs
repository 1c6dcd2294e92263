using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Core.Steps;

// Compensations undo a step of a failed upload, newest first. Each accepts "already gone" as success, because
// the workflow retries them and a crash may run them twice.

/// <summary>
/// Undoes Record, but only this execution's record: when Record failed because another execution owns the id
/// (Conflict), that record is not ours to remove.
/// </summary>
[Step("DeleteRecord")]
public sealed class DeleteRecordStep(IFileCatalog catalog) : IStep<RecordRef, Removal>
{
    public async Task<Removal> HandleAsync(RecordRef input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var record = await catalog.GetFileAsync(input.FileId, cancellationToken);
        if (record is null || !string.Equals(record.ExecutionId, input.ExecutionId, StringComparison.Ordinal))
        {
            return new Removal(input.FileId, false);
        }

        return new Removal(input.FileId, await catalog.DeleteFileAsync(input.FileId, cancellationToken));
    }
}

/// <summary>
/// Undoes Store: removes <c>files/{fileId}</c>, but only when no other execution's record points at it. Two executions
/// of one upload (a duplicated start) promote to the same key; the one whose Record lost (Conflict) must not delete
/// the bytes the winner published.
/// </summary>
[Step("DeleteObject")]
public sealed class DeleteObjectStep(IFileCatalog catalog, IObjectStore store) : IStep<RecordRef, Removal>
{
    public async Task<Removal> HandleAsync(RecordRef input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var key = StorageKeys.File(input.FileId);
        var record = await catalog.GetFileAsync(input.FileId, cancellationToken);
        if (record is not null && !string.Equals(record.ExecutionId, input.ExecutionId, StringComparison.Ordinal))
        {
            return new Removal(key, false);
        }

        return new Removal(key, await store.DeleteAsync(key, cancellationToken));
    }
}

/// <summary>Removes the staged bytes of a failed or rejected upload: nothing is kept of it.</summary>
[Step("DeleteStaging")]
public sealed class DeleteStagingStep(IObjectStore store) : IStep<UploadRef, Removal>
{
    public async Task<Removal> HandleAsync(UploadRef input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var key = StorageKeys.Staging(input.UploadId);
        return new Removal(key, await store.DeleteAsync(key, cancellationToken));
    }
}
