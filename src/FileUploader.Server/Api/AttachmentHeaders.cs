using System.Text;
using Microsoft.Net.Http.Headers;

namespace FileUploader.Server.Api;

/// <summary>
/// The headers every served file gets, whichever link served it: always an attachment (RFC 6266 with an RFC 5987
/// <c>filename*</c>), never sniffed, never run as a page. HTML, SVG and friends are sent as opaque bytes.
/// </summary>
internal static class AttachmentHeaders
{
    private static readonly HashSet<string> ActiveTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/javascript",
        "application/javascript", "application/ecmascript", "text/ecmascript", "application/x-javascript", "text/css",
        "application/pdf", "application/x-shockwave-flash", "text/xsl", "application/wasm",
    };

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
    public static string ContentDisposition(string fileName)
    {
        var fallback = new StringBuilder(fileName.Length);
        foreach (var c in fileName)
        {
            fallback.Append(c is >= ' ' and < (char)127 and not '"' and not '\\' and not '%' ? c : '_');
        }

        return $"attachment; filename=\"{fallback}\"; filename*=UTF-8''{Rfc5987Encode(fileName)}";
    }

    /// <summary>Types a browser would render or run become <c>application/octet-stream</c>; parameters are dropped.</summary>
    public static string SafeContentType(string contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType.Length == 0)
        {
            return "application/octet-stream";
        }

        var mediaType = parsed.MediaType.ToString();
        return ActiveTypes.Contains(mediaType) || mediaType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase)
            ? "application/octet-stream"
            : mediaType;
    }

    // RFC 5987 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
    private static string Rfc5987Encode(string value)
    {
        var builder = new StringBuilder(value.Length * 2);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '&' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
