using FileUploader.Api;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Storage.Local;

namespace FileUploader.Server.Api;

/// <summary>
/// The direct signed link of the embedded storage (<c>/download/{key}</c>), and the streaming of a file's bytes with
/// ranges, which the tracked share link (<c>/files/{id}</c>, handled by the shared <see cref="FileApi"/>) asks for
/// once it has counted a download.
/// </summary>
internal static class FileEndpoints
{
    private const int CopyBufferBytes = 128 * 1024;

    public static void MapFileEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/download/{**key}", ["GET", "HEAD"], GetSignedDownloadAsync);
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
        FileApi.EnsureDownloadable(record, time.GetUtcNow(), checkLimit: false);
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

    internal static async Task ServeAsync(HttpContext context, string objectKey, string fileName, FileRecord record, DateTimeOffset linkExpiresAt)
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

    private static ApiException Expired() => FileApi.Expired();
}
