using FileUploader.Core.Domain;

namespace FileUploader.Core.Ports;

/// <summary>
/// Where the bytes live: a folder on disk locally, an S3 bucket in AWS. Keys are <c>staging/{uploadId}</c>
/// and <c>files/{fileId}</c>. Every operation is idempotent, because a step may run twice after a crash.
/// Failures a retry can fix throw <c>StepFailedException(ErrorNames.StorageUnavailable, retryable: true)</c>;
/// a full disk throws <c>ErrorNames.InsufficientStorage</c>.
/// </summary>
public interface IObjectStore
{
    /// <summary>
    /// Streams <paramref name="content"/> to <paramref name="key"/> atomically (never a partial object under the key),
    /// computing the SHA-256 on the way. Stops with <see cref="ObjectTooLargeException"/> as soon as more than
    /// <paramref name="maxBytes"/> arrive, leaving nothing behind. Overwrites nothing: an existing key fails with
    /// <see cref="ObjectAlreadyExistsException"/> (S3 <c>If-None-Match: *</c>).
    /// </summary>
    Task<StoredObject> PutAsync(string key, Stream content, long maxBytes, string contentType, CancellationToken cancellationToken);

    /// <summary>Size, checksum and type of an object, or null when there is none.</summary>
    Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the object (or the byte range <c>[offset, offset+length)</c>, cut at the end of the object) for reading;
    /// null when there is none.
    /// </summary>
    Task<Stream?> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken);

    /// <summary>
    /// Size, checksum and type of an object with its first <paramref name="length"/> bytes (fewer when the object is
    /// shorter), or null when there is none: what validating an upload reads. A store that can answer both from one
    /// open of the object overrides this; the default asks <see cref="HeadAsync"/> and then <see cref="OpenReadAsync"/>.
    /// </summary>
    async Task<ObjectPreview?> PreviewAsync(string key, int length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var stored = await HeadAsync(key, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        await using var stream = await OpenReadAsync(key, 0, length, cancellationToken)
            ?? throw new StepFailedException(ErrorNames.NotFound, $"The staged object '{key}' disappeared.");
        var buffer = new byte[(int)Math.Min(length, stored.Size)];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return new ObjectPreview(stored, filled == buffer.Length ? buffer : buffer[..filled]);
    }

    /// <summary>
    /// Moves <paramref name="sourceKey"/> to <paramref name="destinationKey"/> (rename locally, copy then delete in S3).
    /// Idempotent: when the destination already holds <paramref name="expectedSha256"/> it succeeds, whether or not the
    /// source is still there (a source left behind is then removed). A missing source with no matching destination
    /// throws <c>ErrorNames.NotFound</c>; a source or destination holding other bytes than
    /// <paramref name="expectedSha256"/> throws <c>ErrorNames.Conflict</c> and moves nothing.
    /// </summary>
    Task<StoredObject> PromoteAsync(string sourceKey, string destinationKey, string expectedSha256, CancellationToken cancellationToken);

    /// <summary>Deletes the object; true if it was there. "Already gone" is success.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Keys under a prefix (for orphan sweeps and tests), in no particular order.</summary>
    IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken);
}

/// <param name="Sha256">Lower-case hex.</param>
public sealed record StoredObject(string Key, long Size, string Sha256, string ContentType);

/// <summary>An object's metadata and its first bytes (<see cref="IObjectStore.PreviewAsync"/>).</summary>
public sealed record ObjectPreview(StoredObject Object, byte[] FirstBytes);

public sealed class ObjectTooLargeException(string key, long maxBytes)
    : Exception($"The object '{key}' is larger than {maxBytes} bytes.")
{
    public string Key { get; } = key;

    public long MaxBytes { get; } = maxBytes;
}

public sealed class ObjectAlreadyExistsException(string key)
    : Exception($"An object already exists at '{key}'.")
{
    public string Key { get; } = key;
}
