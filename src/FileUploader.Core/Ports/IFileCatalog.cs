using FileUploader.Core.Domain;

namespace FileUploader.Core.Ports;

/// <summary>
/// The metadata: SQLite locally, DynamoDB in AWS. Holds upload sessions and file records. Writes are conditional
/// so that a step run twice does no harm; reads a user would notice are consistent. Times round-trip to the
/// millisecond at least.
/// </summary>
public interface IFileCatalog
{
    /// <summary>Creates the session; false if one with this id exists already.</summary>
    Task<bool> TryCreateUploadAsync(UploadSession session, CancellationToken cancellationToken);

    Task<UploadSession?> GetUploadAsync(string uploadId, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a session to <paramref name="status"/> only if it is in one of <paramref name="expectedStatuses"/>
    /// (e.g. Pending → Processing exactly once: a second PUT to the same upload URL loses). True if it moved.
    /// A null <paramref name="fileId"/> keeps the session's file id; error and message are replaced as given.
    /// </summary>
    Task<bool> TryUpdateUploadStatusAsync(
        string uploadId,
        UploadStatus status,
        IReadOnlyCollection<UploadStatus> expectedStatuses,
        string? fileId,
        string? error,
        string? message,
        CancellationToken cancellationToken);

    /// <summary>
    /// Conditional put: succeeds if no record has this id, or the existing one was written by the same
    /// <see cref="FileRecord.ExecutionId"/> (a replayed step; the first write is kept). Otherwise throws a
    /// <see cref="Domain.StepFailedException"/> named <c>ErrorNames.Conflict</c>.
    /// </summary>
    Task PutFileAsync(FileRecord record, CancellationToken cancellationToken);

    /// <summary>The record, consistently read; null if none. Callers treat a past ExpiresAt as gone.</summary>
    Task<FileRecord?> GetFileAsync(string fileId, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically counts one download if the file is Available, not past <paramref name="now"/>, and under its
    /// MaxDownloads; 200 concurrent calls on a limit of 10 give exactly 10 <see cref="DownloadClaimResult.Counted"/>.
    /// At <c>now == ExpiresAt</c> the file is expired. A refusal names the first reason in this order: NotFound,
    /// Revoked, Expired (status Expired or past ExpiresAt), LimitReached.
    /// </summary>
    Task<DownloadClaim> TryCountDownloadAsync(string fileId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Sets the status (Expired, Revoked) if the record exists and has another status; true if it changed.</summary>
    Task<bool> TrySetFileStatusAsync(string fileId, FileStatus status, CancellationToken cancellationToken);

    /// <summary>Removes the record; "already gone" is success (compensation).</summary>
    Task<bool> DeleteFileAsync(string fileId, CancellationToken cancellationToken);
}

public enum DownloadClaimResult
{
    Counted,
    NotFound,
    Expired,
    Revoked,
    LimitReached,
}

/// <param name="Record">The record after counting (DownloadCount includes this download), or as it was when refused.</param>
public sealed record DownloadClaim(DownloadClaimResult Result, FileRecord? Record);
