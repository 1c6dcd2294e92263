namespace FileUploader.Core.Domain;

/// <summary>What the catalog keeps about one shared file.</summary>
/// <param name="Id">The file id (URL-safe, opaque); also the expiry execution's name.</param>
/// <param name="UploadId">The upload this file came from; the upload execution's name.</param>
/// <param name="OriginalFileName">The sanitised name the uploader gave.</param>
/// <param name="ObjectKey">Where the bytes are: <c>files/{Id}</c>.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the bytes, computed while they streamed in.</param>
/// <param name="ExecutionId">The upload execution that recorded this file (makes Record idempotent).</param>
/// <param name="DeleteTokenHash">SHA-256 (hex) of the owner's delete token; the token itself is never stored.</param>
/// <param name="MaxDownloads">Downloads allowed through the tracked link; null for no limit.</param>
public sealed record FileRecord(
    string Id,
    string UploadId,
    string OriginalFileName,
    DateTimeOffset UploadedAt,
    DateTimeOffset ExpiresAt,
    string ObjectKey,
    long DownloadCount,
    long Size,
    string ContentType,
    string Sha256,
    FileStatus Status,
    string ExecutionId,
    string DeleteTokenHash,
    long? MaxDownloads);

public enum FileStatus
{
    Available,
    Expired,
    Revoked,
}
