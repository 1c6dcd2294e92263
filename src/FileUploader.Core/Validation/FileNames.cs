using System.Globalization;
using System.Text;

namespace FileUploader.Core.Validation;

/// <summary>
/// Turns the name an uploader gave into one that is safe to store, show and put in a Content-Disposition header:
/// no folders, no control or bidi characters (which can disguise <c>exe.txt</c> as <c>txt.exe</c>), no characters
/// Windows refuses, no device names, at most 255 UTF-8 bytes with the extension kept.
/// </summary>
public static class FileNames
{
    public const int MaxUtf8Bytes = 255;

    private const int MaxKeptExtensionLength = 16;

    private static readonly HashSet<string> DeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    /// <summary>The safe name, or null with the reason when nothing usable is left.</summary>
    public static string? Sanitize(string? raw, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(raw))
        {
            problem = "The file name is empty.";
            return null;
        }

        // Only the last path part: "../../etc/passwd" and "C:\Users\x\report.pdf" keep their file name only.
        var lastSeparator = raw.LastIndexOfAny(['/', '\\']);
        var name = raw[(lastSeparator + 1)..];

        var builder = new StringBuilder(name.Length);
        foreach (var rune in EnumerateRunes(name))
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned)
            {
                // Format covers the bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069), LRM/RLM and zero-widths.
                continue;
            }

            builder.Append(rune.Value is '<' or '>' or ':' or '"' or '|' or '?' or '*' ? "_" : rune.ToString());
        }

        // Windows drops trailing dots and spaces, which would make "a.exe." open as "a.exe".
        var cleaned = builder.ToString().Trim().TrimEnd('.', ' ');
        if (cleaned.Length == 0 || cleaned.All(c => c == '.'))
        {
            problem = $"The file name '{Printable(raw)}' has no usable characters.";
            return null;
        }

        var stem = cleaned.Split('.')[0].TrimEnd(' ');
        if (DeviceNames.Contains(stem))
        {
            cleaned = "_" + cleaned;
        }

        return Truncate(cleaned);
    }

    /// <summary>Cuts to <see cref="MaxUtf8Bytes"/> on a character boundary, keeping a short extension.</summary>
    private static string Truncate(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxUtf8Bytes)
        {
            return name;
        }

        var dot = name.LastIndexOf('.');
        var extension = dot > 0 && name.Length - dot <= MaxKeptExtensionLength ? name[dot..] : string.Empty;
        var stem = extension.Length > 0 ? name[..dot] : name;
        var budget = MaxUtf8Bytes - Encoding.UTF8.GetByteCount(extension);
        var kept = new StringBuilder();
        var used = 0;
        foreach (var rune in EnumerateRunes(stem))
        {
            var size = rune.Utf8SequenceLength;
            if (used + size > budget)
            {
                break;
            }

            kept.Append(rune.ToString());
            used += size;
        }

        return kept.ToString().TrimEnd('.', ' ') + extension;
    }

    private static IEnumerable<Rune> EnumerateRunes(string text)
    {
        // Lone surrogates come out as U+FFFD (replacement), which is a symbol, and are dropped here.
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune != Rune.ReplacementChar)
            {
                yield return rune;
            }
        }
    }

    private static string Printable(string raw) =>
        new(raw.Take(64).Select(c => char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format ? '?' : c).ToArray());
}
