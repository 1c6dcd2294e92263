namespace FileUploader.Core.Steps;

// The JSON each step takes and returns (camelCase through StepJsonContext). The ASL passes these between states,
// so a rename here is a rename in statemachine/*.asl.json too.

/// <summary>Names one upload: <c>{"uploadId": "…"}</c>.</summary>
public sealed record UploadRef(string UploadId);

/// <summary>Names one file: <c>{"fileId": "…"}</c>.</summary>
public sealed record FileRef(string FileId);

/// <summary>Names a file record and the execution that may own it.</summary>
public sealed record RecordRef(string FileId, string ExecutionId);

/// <summary>What Validate found acceptable: the sanitised name, the real size and type, the staged bytes' SHA-256.</summary>
public sealed record ValidatedUpload(
    string UploadId,
    string FileId,
    string FileName,
    long Size,
    string ContentType,
    string Sha256);

/// <summary>Store's input: promote <c>staging/{UploadId}</c> to <c>files/{FileId}</c> if it still holds <see cref="Sha256"/>.</summary>
public sealed record StoreInput(string UploadId, string FileId, string Sha256);

public sealed record StoredFile(string FileId, string ObjectKey, long Size, string Sha256);

/// <summary>Record's input: the validated upload and the execution that owns the record (<c>$$.Execution.Id</c>).</summary>
public sealed record RecordInput(string ExecutionId, ValidatedUpload Upload);

/// <summary>The record as stored; on a re-run, the values of the first run (its expiry is never recomputed).</summary>
public sealed record RecordedFile(string FileId, string ObjectKey, DateTimeOffset ExpiresAt);

/// <summary>The direct download link (absolute URL), valid until <see cref="ExpiresAt"/>.</summary>
public sealed record PresignedLink(string FileId, string DownloadUrl, DateTimeOffset ExpiresAt);

/// <summary>The expiry workflow's input, also Expire's: <c>{"fileId", "expiresAt"}</c>.</summary>
public sealed record ExpireInput(string FileId, DateTimeOffset? ExpiresAt);

/// <param name="ObjectDeleted">True if this run removed the bytes (false: they were gone already).</param>
/// <param name="Status">The record's status afterwards, or null when there is no record.</param>
public sealed record ExpiredFile(string FileId, bool ObjectDeleted, string? Status);

public sealed record FinishUploadInput(string UploadId, string FileId);

/// <summary>FailUpload's input: the upload and the caught <c>{Error, Cause}</c> of the state that failed.</summary>
public sealed record FailUploadInput(string UploadId, string Error, string? Cause);

/// <summary>The session's state after FinishUpload or FailUpload (lower case, as <c>GET /uploads/{id}</c> shows it).</summary>
public sealed record UploadOutcome(string UploadId, string FileId, string Status, string? Error, string? Message);

/// <summary>What a compensation removed: <see cref="Removed"/> is false when it was gone already.</summary>
public sealed record Removal(string Target, bool Removed);
