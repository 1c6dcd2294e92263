using System.Text;

namespace FileUploader.Storage.Local;

/// <summary>
/// Maps object keys to one file-system name each. Every character outside <c>[A-Za-z0-9._-]</c> (including
/// <c>/</c>) is percent-encoded, so a key can never name a path outside the store's folder, and keys such as
/// <c>a</c> and <c>a/b</c> can coexist the way they do in S3.
/// </summary>
internal static class ObjectKeys
{
    /// <summary>S3's limit.</summary>
    public const int MaxKeyLength = 1024;

    /// <summary>Rejects keys that are empty, absolute, contain <c>.</c>/<c>..</c> or empty segments, backslashes or control characters.</summary>
    public static void Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0 || key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"An object key has 1 to {MaxKeyLength} characters.", nameof(key));
        }

        foreach (var c in key)
        {
            if (char.IsControl(c) || c == '\\')
            {
                throw new ArgumentException("An object key has no control characters or backslashes.", nameof(key));
            }
        }

        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                throw new ArgumentException($"The object key '{key}' has an empty, '.' or '..' segment.", nameof(key));
            }
        }
    }

    public static string ToFileName(string key)
    {
        Validate(key);
        var name = Encode(key);
        if (Encoding.UTF8.GetByteCount(name) > 255)
        {
            throw new ArgumentException($"The object key '{key}' is too long for this store.", nameof(key));
        }

        return name;
    }

    /// <summary>Encodes a key or a key prefix (a prefix may end in the middle of a segment).</summary>
    public static string Encode(string keyOrPrefix)
    {
        var builder = new StringBuilder(keyOrPrefix.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < keyOrPrefix.Length; i++)
        {
            var c = keyOrPrefix[i];
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.')
            {
                builder.Append(c);
                continue;
            }

            var length = char.IsSurrogatePair(keyOrPrefix, i)
                ? Encoding.UTF8.GetBytes(keyOrPrefix.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(keyOrPrefix.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>The key a file name stands for; null for names this store did not write.</summary>
    public static string? FromFileName(string name)
    {
        try
        {
            return Uri.UnescapeDataString(name);
        }
        catch (UriFormatException)
        {
            return null;
        }
    }
}
