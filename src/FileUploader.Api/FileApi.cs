using System.Globalization;
using System.Net;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using Microsoft.Extensions.Logging;

namespace FileUploader.Api;

/// <summary>
/// The HTTP API's routes that every host serves, and their handling: announce an upload (<c>POST /uploads</c>), read
/// it (<c>GET /uploads/{id}</c>), the tracked share link (<c>GET/HEAD /files/{id}</c>: expiry, revocation, limit,
/// previews, the atomic count), its metadata (<c>GET /files/{id}/info</c>) and revocation (<c>DELETE /files/{id}</c>).
/// Refusals are thrown as <see cref="ApiException"/>; a host turns them into answers (<see cref="ApiErrors"/>).
/// Routes that stream bytes (the local server's multipart upload, its upload target, its signed downloads) stay in it.
/// </summary>
public sealed class FileApi(
    IFileCatalog catalog,
    IObjectStore store,
    ILinkSigner signer,
    UploadSessions sessions,
    SessionReconciler reconciler,
    IExpiryWorkflow expiry,
    ApiSettings settings,
    TimeProvider time,
    ILogger<FileApi> logger)
{
    /// <summary>Whether <paramref name="path"/> is one of these routes (whatever the method).</summary>
    public static bool Serves(string path) => Route.Match(path).Kind != RouteKind.None;

    /// <summary>Routes and handles one request. Throws <see cref="ApiException"/> (and storage failures) to refuse it.</summary>
    public Task<ApiResponse> HandleAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var route = Route.Match(request.Path);
        return (route.Kind, request.Method) switch
        {
            (RouteKind.Uploads, "POST") => InitiateAsync(request, cancellationToken),
            (RouteKind.Upload, "GET") => GetUploadAsync(request, route.Id!, cancellationToken),
            (RouteKind.File, "GET" or "HEAD") => GetSharedFileAsync(request, route.Id!, cancellationToken),
            (RouteKind.File, "DELETE") => DeleteAsync(request, route.Id!, cancellationToken),
            (RouteKind.FileInfo, "GET") => GetInfoAsync(route.Id!, cancellationToken),
            (RouteKind.None, _) => throw ApiException.NotFound("There is nothing at this address."),
            _ => throw new ApiException(HttpStatus.MethodNotAllowed, ApiErrorNames.MethodNotAllowed, $"{request.Method} is not allowed here."),
        };
    }

    private async Task<ApiResponse> InitiateAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        ApiErrors.RefuseEncodedBody(request.Header("Content-Encoding"));
        var init = UploadInitRequest.Parse(request.Header("Content-Type"), request.Body, settings);

        var uploadId = Identifiers.NewId();
        var deleteToken = Identifiers.NewDeleteToken();
        var session = sessions.NewSession(uploadId, init.FileName, init.Size, init.ContentType, init.Choices, deleteToken, UploadStatus.Pending);
        var target = signer.CreateUploadTarget(UploadSessions.StagingKey(uploadId), init.Size, init.ContentType ?? string.Empty, session.UploadUrlExpiresAt);
        await sessions.CreateAsync(session, cancellationToken);
        Log.UploadInitiated(logger, uploadId, init.Size);

        var statusUrl = $"{request.BaseUrlText}/uploads/{uploadId}";
        var answer = new UploadInitiated(uploadId, target.Url.AbsoluteUri, target.Method, target.Fields, session.UploadUrlExpiresAt, statusUrl, deleteToken);
        return ApiResponse.Json(HttpStatus.Created, answer, ApiJsonContext.Api.UploadInitiated, statusUrl);
    }

    private async Task<ApiResponse> GetUploadAsync(ApiRequest request, string uploadId, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsWellFormed(uploadId))
        {
            throw ApiException.NotFound("There is no such upload.");
        }

        var session = await catalog.GetUploadAsync(uploadId, cancellationToken) ?? throw ApiException.NotFound("There is no such upload.");
        if (session.Status is UploadStatus.Processing or UploadStatus.Pending)
        {
            session = await reconciler.ReconcileAsync(session, cancellationToken);
        }

        var view = await sessions.ViewAsync(session, deleteToken: null, request.PublicBaseUrl, cancellationToken);
        return ApiResponse.Json(HttpStatus.OK, view, ApiJsonContext.Api.UploadView);
    }

    private async Task<ApiResponse> GetSharedFileAsync(ApiRequest request, string fileId, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsWellFormed(fileId))
        {
            throw ApiException.NotFound("There is no such file.");
        }

        var userAgent = request.Header("User-Agent") ?? string.Empty;
        var preview = LinkPreviewBots.IsPreviewBot(userAgent);
        if (request.Method == "HEAD" || preview)
        {
            // Name and size, never the bytes and never a count: a preview must not use up a one-time link.
            var record = await catalog.GetFileAsync(fileId, cancellationToken);
            EnsureDownloadable(record, time.GetUtcNow(), checkLimit: true);
            if (preview)
            {
                Log.PreviewServed(logger, fileId, userAgent);
                return Preview(record!);
            }

            var headers = AttachmentHeaderValues.For(record!, record!.ExpiresAt);
            headers[HeaderNames.ContentLength] = record.Size.ToString(CultureInfo.InvariantCulture);
            return ApiResponse.Empty(HttpStatus.OK, headers);
        }

        var now = time.GetUtcNow();
        var claim = await catalog.TryCountDownloadAsync(fileId, now, cancellationToken);
        var counted = claim.Result switch
        {
            DownloadClaimResult.Counted => claim.Record!,
            DownloadClaimResult.NotFound => throw ApiException.NotFound("There is no such file."),
            DownloadClaimResult.Revoked => throw Revoked(),
            DownloadClaimResult.LimitReached => throw LimitReached(claim.Record),
            _ => throw Expired(),
        };
        Log.DownloadCounted(logger, fileId, counted.DownloadCount);
        if (!settings.RedirectDownloads)
        {
            return ApiResponse.ServeFile(counted);
        }

        // Minted now, from this invocation's credentials, valid for seconds and never past the file's own expiry: a URL
        // signed with a role's session dies with that session, so a long-lived one from here would not be reliable.
        var validUntil = now + settings.RedirectLinkLifetime < counted.ExpiresAt ? now + settings.RedirectLinkLifetime : counted.ExpiresAt;
        if (validUntil - now < TimeSpan.FromSeconds(2))
        {
            throw Expired(); // too close to its end to sign a usable link
        }

        var url = signer.CreateDownloadUrl(counted.ObjectKey, counted.OriginalFileName, validUntil);
        Log.DownloadRedirected(logger, fileId, validUntil);
        return ApiResponse.Redirect(HttpStatus.Found, url);
    }

    private async Task<ApiResponse> GetInfoAsync(string fileId, CancellationToken cancellationToken)
    {
        var record = Identifiers.IsWellFormed(fileId) ? await catalog.GetFileAsync(fileId, cancellationToken) : null;
        if (record is null)
        {
            throw ApiException.NotFound("There is no such file.");
        }

        // A file that is gone (expired or revoked) is gone for its metadata too, as for its links: 410.
        EnsureDownloadable(record, time.GetUtcNow(), checkLimit: false);
        var info = new FileDetails(record.Id, record.OriginalFileName, record.Size, record.ContentType, record.Sha256, record.UploadedAt, record.ExpiresAt, "available", record.DownloadCount, record.MaxDownloads);
        return ApiResponse.Json(HttpStatus.OK, info, ApiJsonContext.Api.FileDetails);
    }

    private async Task<ApiResponse> DeleteAsync(ApiRequest request, string fileId, CancellationToken cancellationToken)
    {
        var record = Identifiers.IsWellFormed(fileId) ? await catalog.GetFileAsync(fileId, cancellationToken) : null;
        if (record is null)
        {
            throw ApiException.NotFound("There is no such file.");
        }

        var token = request.Header("X-Delete-Token");
        if (string.IsNullOrEmpty(token))
        {
            token = request.QueryValue("token");
        }

        if (!Identifiers.TokenMatches(token, record.DeleteTokenHash))
        {
            throw new ApiException(HttpStatus.Forbidden, ApiErrorNames.InvalidDeleteToken, "The delete token does not match this file.");
        }

        // Revoked first, so no download starts after this point; then the bytes go. Not cancellable: once begun,
        // a revocation finishes even if the caller goes away.
        await catalog.TrySetFileStatusAsync(fileId, FileStatus.Revoked, CancellationToken.None);
        await store.DeleteAsync(record.ObjectKey, CancellationToken.None);
        Log.FileRevoked(logger, fileId);

        // The expiry workflow has nothing left to do.
        await expiry.StopAsync(fileId, "Revoked", "The owner revoked the file.", CancellationToken.None);
        return ApiResponse.Empty(HttpStatus.NoContent);
    }

    /// <summary>
    /// Refuses a file that is unknown (404), revoked or expired (410), or, with <paramref name="checkLimit"/>, out of
    /// downloads (410). Every link to a file asks this, the local server's direct signed link included.
    /// </summary>
    public static void EnsureDownloadable(FileRecord? record, DateTimeOffset now, bool checkLimit)
    {
        if (record is null)
        {
            throw ApiException.NotFound("There is no such file.");
        }

        if (record.Status == FileStatus.Revoked)
        {
            throw Revoked();
        }

        if (record.Status == FileStatus.Expired || now >= record.ExpiresAt)
        {
            throw Expired();
        }

        if (checkLimit && record.MaxDownloads is { } max && record.DownloadCount >= max)
        {
            throw LimitReached(record);
        }
    }

    private static ApiResponse Preview(FileRecord record)
    {
        var name = WebUtility.HtmlEncode(record.OriginalFileName);
        var size = WebUtility.HtmlEncode(FormatSize(record.Size));
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [HeaderNames.XContentTypeOptions] = "nosniff",
            ["Content-Security-Policy"] = "default-src 'none'; sandbox",
            [HeaderNames.CacheControl] = "private, no-store",
        };
        return ApiResponse.Text(
            HttpStatus.OK,
            "text/html; charset=utf-8",
            $"<!doctype html><html><head><meta charset=\"utf-8\"><title>{name}</title>" +
            $"<meta property=\"og:title\" content=\"{name}\"><meta property=\"og:description\" content=\"{size} — shared with FileUploader\">" +
            $"</head><body><p>{name} ({size})</p></body></html>",
            headers);
    }

    private static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB",
    };

    public static ApiException Expired() => ApiException.Gone(ApiErrorNames.LinkExpired, "This link has expired and the file is gone.");

    public static ApiException Revoked() => ApiException.Gone(ApiErrorNames.Revoked, "The owner removed this file.");

    public static ApiException LimitReached(FileRecord? record) =>
        ApiException.Gone(ApiErrorNames.DownloadLimitReached, $"This link allowed {record?.MaxDownloads} downloads; they have all been used.");

    private enum RouteKind
    {
        None,
        Uploads,
        Upload,
        File,
        FileInfo,
    }

    /// <summary>The routes: <c>/uploads</c>, <c>/uploads/{id}</c>, <c>/files/{id}</c>, <c>/files/{id}/info</c>.</summary>
    private readonly record struct Route(RouteKind Kind, string? Id)
    {
        public static Route Match(string path)
        {
            // One trailing slash is forgiven, as ASP.NET routing does; anything else must match exactly.
            if (path.Length > 1 && path.EndsWith('/'))
            {
                path = path[..^1];
            }

            var segments = path.Split('/');
            if (segments.Length < 2 || segments[0].Length != 0)
            {
                return default;
            }

            return segments[1..] switch
            {
                ["uploads"] => new Route(RouteKind.Uploads, null),
                ["uploads", var id] when id.Length > 0 => new Route(RouteKind.Upload, id),
                ["files", var id] when id.Length > 0 => new Route(RouteKind.File, id),
                ["files", var id, "info"] when id.Length > 0 => new Route(RouteKind.FileInfo, id),
                _ => default,
            };
        }
    }
}
