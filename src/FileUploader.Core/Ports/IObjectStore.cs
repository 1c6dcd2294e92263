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
