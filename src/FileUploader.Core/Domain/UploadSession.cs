namespace FileUploader.Core.Domain;

/// <summary>
/// One upload from its announcement (<c>POST /uploads</c>, or the one-shot <c>POST /upload</c>) to its end.
/// The bytes are staged at <c>staging/{Id}</c>; the upload execution is named after <see cref="Id"/>.
/// </summary>
/// <param name="FileId">
/// Assigned when the session is created, never inside a step: a step may run twice after a crash, and both runs
/// must promote to, record and expire the same <c>files/{FileId}</c>.
/// </param>
public sealed record UploadSession(
    string Id,
    string FileName,
    long DeclaredSize,
    string? DeclaredContentType,
    DateTimeOffset CreatedAt,
    DateTimeOffset UploadUrlExpiresAt,
    TimeSpan LinkLifetime,
    long? MaxDownloads,
    string DeleteTokenHash,
    UploadStatus Status,
    string FileId,
    string? Error,
    string? Message);

/// <summary>The states a user sees on <c>GET /uploads/{id}</c>.</summary>
public enum UploadStatus
{
    /// <summary>Announced; the bytes have not arrived.</summary>
    Pending,
    /// <summary>The bytes arrived; the upload workflow is running.</summary>
    Processing,
    Available,
    /// <summary>Validation refused it (permanent, the user's input); nothing is kept.</summary>
    Rejected,
    /// <summary>A step failed for good; compensation removed what was done.</summary>
    Failed,
}
