using System.Net;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Server.Diagnostics;
using FileUploader.Server.Uploads;
using FileUploader.Server.Workflow;
using FileUploader.StateMachine.Service;
using FileUploader.Storage.Local;

namespace FileUploader.Server.Api;

/// <summary>
/// The two ways out — the tracked share link (<c>/files/{id}</c>: expiry, download limit, atomic count) and the
/// direct signed link (<c>/download/{key}</c>) — plus metadata and revocation.
/// </summary>
internal static class FileEndpoints
{
    private const int CopyBufferBytes = 128 * 1024;

    public static void MapFileEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/files/{fileId}", ["GET", "HEAD"], GetSharedFileAsync);
        app.MapGet("/files/{fileId}/info", GetInfoAsync);
        app.MapDelete("/files/{fileId}", DeleteAsync);
        app.MapMethods("/download/{**key}", ["GET", "HEAD"], GetSignedDownloadAsync);
    }

    private static async Task GetSharedFileAsync(HttpContext context, string fileId)
    {
        var services = context.RequestServices;
        var catalog = services.GetRequiredService<IFileCatalog>();
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILogger<UploadService>>();
        if (!Identifiers.IsWellFormed(fileId))
        {
            throw ApiException.NotFound("There is no such file.");
        }

        var userAgent = context.Request.Headers.UserAgent.ToString();
        var preview = LinkPreviewBots.IsPreviewBot(userAgent);
        if (HttpMethods.IsHead(context.Request.Method) || preview)
        {
            // Name and size, never the bytes and never a count: a preview must not use up a one-time link.
            var record = await catalog.GetFileAsync(fileId, context.RequestAborted);
            EnsureDownloadable(record, time.GetUtcNow(), checkLimit: true);
            if (preview)
            {
                Log.PreviewServed(logger, fileId, userAgent);
                await WritePreviewAsync(context, record!);
            }
            else
            {
                AttachmentHeaders.Apply(context.Response, record!.OriginalFileName, record.ContentType, record.Sha256, record.ExpiresAt);
                context.Response.ContentLength = record.Size;
            }

            return;
        }

        var claim = await catalog.TryCountDownloadAsync(fileId, time.GetUtcNow(), context.RequestAborted);
        var counted = claim.Result switch
        {
            DownloadClaimResult.Counted => claim.Record!,
            DownloadClaimResult.NotFound => throw ApiException.NotFound("There is no such file."),
            DownloadClaimResult.Revoked => throw Revoked(),
            DownloadClaimResult.LimitReached => throw LimitReached(claim.Record),
            _ => throw Expired(),
        };
        Log.DownloadCounted(logger, fileId, counted.DownloadCount);
        await ServeAsync(context, counted.ObjectKey, counted.OriginalFileName, counted, counted.ExpiresAt);
    }

    private static async Task GetSignedDownloadAsync(HttpContext context, string key)
    {
        var services = context.RequestServices;
        // Only the embedded storage signs links to this server; with S3 the links point at the bucket instead.
        var signer = services.GetService<HmacLinkSigner>() ?? throw ApiException.NotFound("This server does not serve signed links; they point at the bucket.");
        var catalog = services.GetRequiredService<IFileCatalog>();
        var time = services.GetRequiredService<TimeProvider>();

        // Every parameter is signed and no other is allowed: a response-content-type override breaks the link.
        var check = signer.VerifyDownload(key, QueryParameters.Of(context.Request));
        switch (check.Status)
        {
            case LinkStatus.Invalid:
                throw ApiException.Forbidden("The link's signature does not match.");
            case LinkStatus.Expired:
                throw Expired();
        }

        var fileId = key.StartsWith("files/", StringComparison.Ordinal) ? key["files/".Length..] : null;
        var record = Identifiers.IsWellFormed(fileId) ? await catalog.GetFileAsync(fileId!, context.RequestAborted) : null;
        // The direct link is counted by no one, but it still dies with the file (revoked or expired).
        EnsureDownloadable(record, time.GetUtcNow(), checkLimit: false);
        var file = record!;
        var fileName = check.FileName ?? file.OriginalFileName;
        var linkExpiresAt = check.ExpiresAt ?? file.ExpiresAt;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            AttachmentHeaders.Apply(context.Response, fileName, file.ContentType, file.Sha256, linkExpiresAt);
            context.Response.ContentLength = file.Size;
            return;
        }

        await ServeAsync(context, key, fileName, file, linkExpiresAt);
    }

    private static async Task GetInfoAsync(HttpContext context, string fileId)
    {
        var catalog = context.RequestServices.GetRequiredService<IFileCatalog>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var record = Identifiers.IsWellFormed(fileId) ? await catalog.GetFileAsync(fileId, context.RequestAborted) : null;
        if (record is null)
        {
            throw ApiException.NotFound("There is no such file.");
        }

        // A file that is gone (expired or revoked) is gone for its metadata too, as for its links: 410.
        EnsureDownloadable(record, time.GetUtcNow(), checkLimit: false);
        var info = new FileDetails(record.Id, record.OriginalFileName, record.Size, record.ContentType, record.Sha256, record.UploadedAt, record.ExpiresAt, "available", record.DownloadCount, record.MaxDownloads);
        await UploadEndpoints.WriteJsonAsync(context, StatusCodes.Status200OK, info, ApiJsonContext.Api.FileDetails, location: null);
    }

    private static async Task DeleteAsync(HttpContext context, string fileId)
    {
        var services = context.RequestServices;
        var catalog = services.GetRequiredService<IFileCatalog>();
        var store = services.GetRequiredService<IObjectStore>();
        var stepFunctions = services.GetRequiredService<IStepFunctions>();
        var arns = services.GetRequiredService<WorkflowArns>();
        var logger = services.GetRequiredService<ILogger<UploadService>>();

        var record = Identifiers.IsWellFormed(fileId) ? await catalog.GetFileAsync(fileId, context.RequestAborted) : null;
        if (record is null)
        {
            throw ApiException.NotFound("There is no such file.");
        }

        var token = context.Request.Headers["X-Delete-Token"].ToString();
        if (token.Length == 0)
        {
            token = context.Request.Query["token"].ToString();
        }

        if (!Identifiers.TokenMatches(token, record.DeleteTokenHash))
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "InvalidDeleteToken", "The delete token does not match this file.");
        }

        // Revoked first, so no download starts after this point; then the bytes go.
        await catalog.TrySetFileStatusAsync(fileId, FileStatus.Revoked, CancellationToken.None);
        await store.DeleteAsync(record.ObjectKey, CancellationToken.None);
        Log.FileRevoked(logger, fileId);
        try
        {
            // The expiry workflow has nothing left to do.
            await stepFunctions.StopExecutionAsync(UploadReconciler.ExecutionArn(arns.Expiry, fileId), "Revoked", "The owner revoked the file.", CancellationToken.None);
        }
        catch (StepFunctionsException)
        {
            // Already finished or never scheduled: either way nothing waits on it.
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static void EnsureDownloadable(FileRecord? record, DateTimeOffset now, bool checkLimit)
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

    private static async Task ServeAsync(HttpContext context, string objectKey, string fileName, FileRecord record, DateTimeOffset linkExpiresAt)
    {
        var store = context.RequestServices.GetRequiredService<IObjectStore>();
        var etag = $"\"{record.Sha256}\"";
        var range = ByteRange.Parse(context.Request, record.Size, etag);
        var offset = range?.Offset ?? 0;
        var length = range?.Length ?? record.Size;
        await using var content = await store.OpenReadAsync(objectKey, offset, range?.Length, context.RequestAborted)
            ?? throw Expired(); // the bytes went (expiry, revocation) between the check and the read

        AttachmentHeaders.Apply(context.Response, fileName, record.ContentType, record.Sha256, linkExpiresAt);
        context.Response.ContentLength = length;
        if (range is not null)
        {
            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = $"bytes {offset}-{offset + length - 1}/{record.Size}";
        }

        await content.CopyToAsync(context.Response.Body, CopyBufferBytes, context.RequestAborted);
    }

    private static Task WritePreviewAsync(HttpContext context, FileRecord record)
    {
        var name = WebUtility.HtmlEncode(record.OriginalFileName);
        var size = WebUtility.HtmlEncode(FormatSize(record.Size));
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        context.Response.Headers.CacheControl = "private, no-store";
        return context.Response.WriteAsync(
            $"<!doctype html><html><head><meta charset=\"utf-8\"><title>{name}</title>" +
            $"<meta property=\"og:title\" content=\"{name}\"><meta property=\"og:description\" content=\"{size} — shared with FileUploader\">" +
            $"</head><body><p>{name} ({size})</p></body></html>",
            context.RequestAborted);
    }

    private static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB",
    };

    private static ApiException Expired() => ApiException.Gone(ApiErrorNames.LinkExpired, "This link has expired and the file is gone.");

    private static ApiException Revoked() => ApiException.Gone(ApiErrorNames.Revoked, "The owner removed this file.");

    private static ApiException LimitReached(FileRecord? record) =>
        ApiException.Gone(ApiErrorNames.DownloadLimitReached, $"This link allowed {record?.MaxDownloads} downloads; they have all been used.");
}
