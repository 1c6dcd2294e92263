using FileUploader.Api;

namespace FileUploader.Server.Api;

/// <summary>
/// The headers every file this server streams gets (the values are shared with every host: <see cref="AttachmentHeaderValues"/>): always an attachment (RFC 6266 with an RFC 5987
/// <c>filename*</c>), never sniffed, never run as a page. HTML, SVG and friends are sent as opaque bytes.
/// </summary>
internal static class AttachmentHeaders
{
    public static void Apply(HttpResponse response, string fileName, string contentType, string sha256, DateTimeOffset expiresAt)
    {
        var headers = response.Headers;
        headers.ContentDisposition = ContentDisposition(fileName);
        headers.ContentType = SafeContentType(contentType);
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "private, no-store";
        headers.AcceptRanges = "bytes";
        headers.ETag = $"\"{sha256}\"";
        headers.Expires = expiresAt.ToString("R");
    }

    /// <summary><c>attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded</c>.</summary>
    public static string ContentDisposition(string fileName) => AttachmentHeaderValues.ContentDisposition(fileName);

    /// <summary>Types a browser would render or run become <c>application/octet-stream</c>; parameters are dropped.</summary>
    public static string SafeContentType(string contentType) => AttachmentHeaderValues.SafeContentType(contentType);
}
