namespace FileUploader.Core.Domain;

/// <summary>
/// Stable error names. Steps fail with these; the ASL's Retry/Catch match them; the HTTP API maps them to
/// status codes in one place. Never rename one: deployed state machines match on the text.
/// </summary>
public static class ErrorNames
{
    /// <summary>The upload itself is unacceptable (size, name, type). Permanent: never retried.</summary>
    public const string UploadRejected = "UploadRejected";

    /// <summary>A store or catalog could not be reached or timed out. Transient: retried with backoff.</summary>
    public const string StorageUnavailable = "StorageUnavailable";

    /// <summary>Something the step needs is not there (staged object gone, record missing). Permanent.</summary>
    public const string NotFound = "NotFound";

    /// <summary>A conditional write met a different owner (another execution recorded this id). Permanent.</summary>
    public const string Conflict = "Conflict";

    /// <summary>The disk or bucket is out of space. Permanent for this upload.</summary>
    public const string InsufficientStorage = "InsufficientStorage";
}
