using System.Text;

namespace FileUploader.Storage.Aws;

/// <summary>
/// <c>Content-Disposition: attachment</c> with both an ASCII <c>filename</c> for old clients and the RFC 6266 /
/// RFC 8187 <c>filename*=UTF-8''…</c> that carries the real name, so "résumé.pdf" downloads as itself.
/// </summary>
internal static class ContentDisposition
{
    public static string Attachment(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var fallback = new StringBuilder(fileName.Length);
        foreach (var c in fileName)
        {
            // A quoted-string may not hold '"' or '\' unescaped, and some clients mishandle escapes: replace them.
            fallback.Append(c is >= ' ' and <= '~' and not '"' and not '\\' and not '%' ? c : '_');
        }

        return $"attachment; filename=\"{fallback}\"; filename*=UTF-8''{EncodeRfc8187(fileName)}";
    }

    private static string EncodeRfc8187(string value)
    {
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            // attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                || "!#$&+-.^_`|~".Contains((char)b, StringComparison.Ordinal))
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }
}
