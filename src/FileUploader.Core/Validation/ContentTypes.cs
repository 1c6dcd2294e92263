using System.Text;

namespace FileUploader.Core.Validation;

/// <summary>
/// Recognises a file's type from its first bytes (magic numbers, and HTML/SVG markup) and decides whether the
/// declared type is believable. Browsers and curl declare types from the file name, so a renamed executable or an
/// HTML page labelled as a PNG is caught here, before anything is published.
/// </summary>
public static class ContentTypes
{
    /// <summary>How many leading bytes <see cref="Sniff"/> looks at.</summary>
    public const int SniffLength = 1024;

    public const string OctetStream = "application/octet-stream";
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Gif = "image/gif";
    public const string Webp = "image/webp";
    public const string Pdf = "application/pdf";
    public const string Zip = "application/zip";
    public const string Gzip = "application/gzip";
    public const string SevenZip = "application/x-7z-compressed";
    public const string Rar = "application/vnd.rar";
    public const string WindowsExecutable = "application/x-msdownload";
    public const string ElfExecutable = "application/x-executable";
    public const string MachOExecutable = "application/x-mach-binary";
    public const string Html = "text/html";
    public const string Svg = "image/svg+xml";

    /// <summary>Other names clients use for a sniffable type, mapped to the name <see cref="Sniff"/> gives.</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["image/jpg"] = Jpeg,
        ["image/pjpeg"] = Jpeg,
        ["application/x-pdf"] = Pdf,
        ["application/x-zip-compressed"] = Zip,
        ["application/x-zip"] = Zip,
        ["application/java-archive"] = Zip,
        ["application/epub+zip"] = Zip,
        ["application/vnd.android.package-archive"] = Zip,
        ["application/x-gzip"] = Gzip,
        ["application/x-compressed-tar"] = Gzip,
        ["application/x-tar+gzip"] = Gzip,
        ["application/x-rar-compressed"] = Rar,
        ["application/x-rar"] = Rar,
        ["application/x-dosexec"] = WindowsExecutable,
        ["application/vnd.microsoft.portable-executable"] = WindowsExecutable,
        ["application/x-msdos-program"] = WindowsExecutable,
        ["application/x-elf"] = ElfExecutable,
        ["application/x-sharedlib"] = ElfExecutable,
        ["application/xhtml+xml"] = Html,
    };

    /// <summary>Types with a binary signature: a file declared as one of these must start with it.</summary>
    private static readonly HashSet<string> SignatureTypes = new(StringComparer.Ordinal)
    {
        Png, Jpeg, Gif, Webp, Pdf, Zip, Gzip, SevenZip, Rar, WindowsExecutable, ElfExecutable, MachOExecutable,
    };

    /// <summary>
    /// The media type's essence, lower case, without parameters (<c>Text/Plain; charset=x</c> → <c>text/plain</c>);
    /// null if it is not a <c>type/subtype</c> made of token characters.
    /// </summary>
    public static string? Normalize(string? declared)
    {
        if (string.IsNullOrWhiteSpace(declared))
        {
            return null;
        }

        var essence = declared.Split(';')[0].Trim().ToLowerInvariant();
        var slash = essence.IndexOf('/', StringComparison.Ordinal);
        if (essence.Length > 127 || slash <= 0 || slash == essence.Length - 1 || essence.IndexOf('/', slash + 1) >= 0)
        {
            return null;
        }

        return essence.All(c => c == '/' || IsTokenChar(c)) ? essence : null;
    }

    /// <summary>The canonical name for a declared type (its alias resolved), or the type itself.</summary>
    public static string Canonical(string normalized)
    {
        if (Aliases.TryGetValue(normalized, out var canonical))
        {
            return canonical;
        }

        // Office Open XML, OpenDocument and friends are zip files.
        return normalized.StartsWith("application/vnd.openxmlformats-officedocument.", StringComparison.Ordinal)
            || normalized.StartsWith("application/vnd.oasis.opendocument.", StringComparison.Ordinal)
            ? Zip
            : normalized;
    }

    /// <summary>The type the leading bytes show, or null when they show nothing we recognise (e.g. plain text).</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return Png;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return Jpeg;
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return Gif;
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return Webp;
        }

        if (head.StartsWith("%PDF-"u8))
        {
            return Pdf;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x03, 0x04]) || head.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x05, 0x06]) || head.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x07, 0x08]))
        {
            return Zip;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
        {
            return Gzip;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]))
        {
            return SevenZip;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x52, 0x61, 0x72, 0x21, 0x1A, 0x07]))
        {
            return Rar;
        }

        if (head.StartsWith("MZ"u8))
        {
            return WindowsExecutable;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x7F, 0x45, 0x4C, 0x46]))
        {
            return ElfExecutable;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xED, 0xFA, 0xCE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xED, 0xFA, 0xCF])
            || head.StartsWith((ReadOnlySpan<byte>)[0xCE, 0xFA, 0xED, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xCF, 0xFA, 0xED, 0xFE]))
        {
            return MachOExecutable;
        }

        return SniffMarkup(head);
    }

    /// <summary>
    /// Why the bytes contradict the declared type, or null when they agree (or the declared type says nothing,
    /// like <c>application/octet-stream</c>). <paramref name="declared"/> is normalized; <paramref name="sniffed"/>
    /// comes from <see cref="Sniff"/>.
    /// </summary>
    public static string? Contradiction(string? declared, string? sniffed)
    {
        if (declared is null || declared == OctetStream)
        {
            return null;
        }

        var canonical = Canonical(declared);
        if (SignatureTypes.Contains(canonical))
        {
            return canonical == sniffed ? null : $"The content does not look like {declared}{Described(sniffed)}.";
        }

        if (sniffed is null || sniffed == canonical)
        {
            return null;
        }

        if (sniffed is Html or Svg)
        {
            // Markup declared as text or XML is what it says; declared as an image, audio or video it is a disguise.
            return IsMedia(canonical) ? $"The content does not look like {declared} (it is {sniffed})." : null;
        }

        // Binary content with a signature, declared as text or as another media type.
        return canonical.StartsWith("text/", StringComparison.Ordinal) || IsMedia(canonical)
            ? $"The content does not look like {declared} (it is {sniffed})."
            : null;
    }

    private static bool IsMedia(string type) =>
        type.StartsWith("image/", StringComparison.Ordinal) && type != Svg
        || type.StartsWith("audio/", StringComparison.Ordinal)
        || type.StartsWith("video/", StringComparison.Ordinal);

    private static string Described(string? sniffed) => sniffed is null ? string.Empty : $" (it is {sniffed})";

    private static string? SniffMarkup(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            head = head[3..];
        }

        // Every markup signature starts with '<'. Most uploads are not markup: when the first character after the
        // leading white space is ASCII and not '<', the answer is known without decoding and lower-casing the whole
        // head (an ASCII byte decodes to itself, and TrimStart skips exactly the characters skipped here).
        foreach (var b in head)
        {
            if (b >= 0x80)
            {
                break;
            }

            if (!char.IsWhiteSpace((char)b))
            {
                if (b != (byte)'<')
                {
                    return null;
                }

                break;
            }
        }

        var text = Encoding.UTF8.GetString(head).TrimStart().ToLowerInvariant();
        if (text.StartsWith("<svg", StringComparison.Ordinal)
            || (text.StartsWith("<?xml", StringComparison.Ordinal) || text.StartsWith("<!doctype svg", StringComparison.Ordinal))
               && text.Contains("<svg", StringComparison.Ordinal))
        {
            return Svg;
        }

        string[] htmlStarts = ["<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<meta", "<title", "<style", "<a ", "<div", "<img", "<form"];
        return htmlStarts.Any(start => text.StartsWith(start, StringComparison.Ordinal)) ? Html : null;
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
