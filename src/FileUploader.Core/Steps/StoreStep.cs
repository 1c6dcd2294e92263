using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Core.Steps;

/// <summary>
/// Promotes the validated bytes from <c>staging/{uploadId}</c> to <c>files/{fileId}</c>. Idempotent through the
/// store's promote: a destination that already holds the expected checksum is success.
/// </summary>
[Step("Store")]
public sealed class StoreStep(IObjectStore store) : IStep<StoreInput, StoredFile>
{
    public async Task<StoredFile> HandleAsync(StoreInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var stored = await store.PromoteAsync(
            StorageKeys.Staging(input.UploadId), StorageKeys.File(input.FileId), input.Sha256, cancellationToken);
        return new StoredFile(input.FileId, stored.Key, stored.Size, stored.Sha256);
    }
}
