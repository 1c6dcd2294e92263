using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Api;

/// <summary>
/// Upload sessions as every host handles them: a new one (ids, token hash, expiry of its upload URL), storing it,
/// and the user's view of it (<c>GET /uploads/{id}</c>), with both links once the file is available.
/// </summary>
public sealed class UploadSessions(IFileCatalog catalog, ILinkSigner signer, ApiSettings settings, TimeProvider time)
{
    public static string StagingKey(string uploadId) => StorageKeys.Staging(uploadId);

    public static string? UploadIdFromStagingKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.StartsWith(StorageKeys.StagingPrefix, StringComparison.Ordinal) && Identifiers.IsWellFormed(key[StorageKeys.StagingPrefix.Length..])
            ? key[StorageKeys.StagingPrefix.Length..]
            : null;
    }

    /// <summary>The tracked link of a file: <c>{base}/files/{fileId}</c>.</summary>
    public static Uri ShareUrl(Uri publicBaseUrl, string fileId)
    {
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        return new Uri($"{publicBaseUrl.AbsoluteUri.TrimEnd('/')}/files/{fileId}");
    }

    public UploadSession NewSession(string uploadId, string fileName, long declaredSize, string? contentType, UploadChoices choices, string deleteToken, UploadStatus status)
    {
        ArgumentNullException.ThrowIfNull(choices);
        var now = time.GetUtcNow();
        // Whole seconds: the signed URL carries its expiry in seconds, and both must say the same.
        var urlExpiresAt = DateTimeOffset.FromUnixTimeSeconds((now + settings.UploadUrlTtl).ToUnixTimeSeconds());
        return new UploadSession(
            uploadId,
            fileName,
            declaredSize,
            contentType,
            now,
            urlExpiresAt,
            choices.LinkLifetime,
            choices.MaxDownloads,
            Identifiers.HashToken(deleteToken),
            status,
            FileId: Identifiers.NewId(),
            Error: null,
            Message: null);
    }

    public async Task CreateAsync(UploadSession session, CancellationToken cancellationToken)
    {
        if (!await catalog.TryCreateUploadAsync(session, cancellationToken))
        {
            // 128 random bits collided, or a replayed request: either way this id is not ours to reuse.
            throw new ApiException(HttpStatus.Conflict, ErrorNames.Conflict, "An upload with this id exists already.");
        }
    }

    /// <summary>The user's view of a session; the file's fields once it is available.</summary>
    public async Task<UploadView> ViewAsync(UploadSession session, string? deleteToken, Uri publicBaseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var status = session.Status;
        if (status == UploadStatus.Pending && time.GetUtcNow() >= session.UploadUrlExpiresAt)
        {
            return new UploadView(session.Id, "failed", Error: "UploadUrlExpired", Message: "The upload URL expired before any bytes arrived.");
        }

        if (status != UploadStatus.Available)
        {
            return new UploadView(session.Id, StatusText(status), Error: session.Error, Message: session.Message);
        }

        var record = await catalog.GetFileAsync(session.FileId, cancellationToken);
        if (record is null)
        {
            return new UploadView(session.Id, "failed", Error: ErrorNames.NotFound, Message: "The file is no longer recorded.");
        }

        return new UploadView(
            session.Id,
            record.Status == FileStatus.Available ? "available" : record.Status.ToString().ToLowerInvariant(),
            record.Id,
            record.OriginalFileName,
            record.Size,
            record.Sha256,
            record.ContentType,
            signer.CreateDownloadUrl(record.ObjectKey, record.OriginalFileName, record.ExpiresAt).AbsoluteUri,
            ShareUrl(publicBaseUrl, record.Id).AbsoluteUri,
            record.ExpiresAt,
            record.MaxDownloads,
            deleteToken);
    }

    public static string StatusText(UploadStatus status) => status switch
    {
        UploadStatus.Pending => "pending",
        UploadStatus.Processing => "processing",
        UploadStatus.Available => "available",
        UploadStatus.Rejected => "rejected",
        _ => "failed",
    };
}
