using System.Globalization;
using System.Text;
using FileUploader.Core.Domain;

namespace FileUploader.Api;

/// <summary>
/// The headers every served file gets, whichever host and link serve it: always an attachment (RFC 6266 with an
/// RFC 5987 <c>filename*</c>), never sniffed, never run as a page. HTML, SVG and friends are sent as opaque bytes.
/// </summary>
public static class AttachmentHeaderValues
{
    private static readonly HashSet<string> ActiveTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/javascript",
        "application/javascript", "application/ecmascript", "text/ecmascript", "application/x-javascript", "text/css",
        "application/pdf", "application/x-shockwave-flash", "text/xsl", "application/wasm",
    };

    /// <summary>The full set for a file answered as an attachment (a <c>HEAD</c>, or the bytes themselves).</summary>
    public static Dictionary<string, string> For(FileRecord record, DateTimeOffset linkExpiresAt)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Disposition"] = ContentDisposition(record.OriginalFileName),
            [HeaderNames.ContentType] = SafeContentType(record.ContentType),
            [HeaderNames.XContentTypeOptions] = "nosniff",
            ["Content-Security-Policy"] = "default-src 'none'; sandbox",
            ["Cross-Origin-Resource-Policy"] = "same-origin",
            ["Referrer-Policy"] = "no-referrer",
            [HeaderNames.CacheControl] = "private, no-store",
            ["Accept-Ranges"] = "bytes",
            ["ETag"] = $"\"{record.Sha256}\"",
            ["Expires"] = linkExpiresAt.ToString("R", CultureInfo.InvariantCulture),
        };
    }

    /// <summary><c>attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded</c>.</summary>
    public static string ContentDisposition(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var fallback = new StringBuilder(fileName.Length);
        foreach (var c in fileName)
        {
            fallback.Append(c is >= ' ' and < (char)127 and not '"' and not '\\' and not '%' ? c : '_');
        }

        return $"attachment; filename=\"{fallback}\"; filename*=UTF-8''{Rfc5987Encode(fileName)}";
    }

    /// <summary>Types a browser would render or run become <c>application/octet-stream</c>; parameters are dropped.</summary>
    public static string SafeContentType(string? contentType)
    {
        var mediaType = MediaType(contentType);
        return mediaType is null || ActiveTypes.Contains(mediaType) || mediaType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase)
            ? "application/octet-stream"
            : mediaType;
    }

    /// <summary><c>type/subtype</c> (RFC 9110 tokens) before any parameters; null when it is not one.</summary>
    private static string? MediaType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var candidate = (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim();
        var slash = candidate.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < candidate.Length - 1
            && IsToken(candidate.AsSpan(0, slash)) && IsToken(candidate.AsSpan(slash + 1))
            ? candidate
            : null;
    }

    private static bool IsToken(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~'))
            {
                return false;
            }
        }

        return true;
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
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
