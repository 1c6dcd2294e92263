using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace FileUploader.Api;

/// <summary>Upload ids and delete tokens: random, URL-safe, and checked before they reach storage.</summary>
public static class Identifiers
{
    /// <summary>
    /// Upload and file ids: 128 random bits, base64url — 22 characters that are safe in a path, an object key and an
    /// execution name. A file id is not derived from its upload id, so a share link reveals nothing about the upload.
    /// </summary>
    public static string NewId() => NewRandom(16);

    /// <summary>256 random bits; only its SHA-256 is stored.</summary>
    public static string NewDeleteToken() => NewRandom(32);

    public static string HashToken(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Compares a presented token with the stored hash in constant time.</summary>
    public static bool TokenMatches(string? presented, string storedHash)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 256)
        {
            return false;
        }

        var actual = Encoding.ASCII.GetBytes(HashToken(presented));
        var expected = Encoding.ASCII.GetBytes(storedHash);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>
    /// True for ids this service could have minted (file ids, upload ids): letters, digits, '-' and '_'.
    /// Anything else — "../x", "%2e", a slash, a NUL — is answered 404 without touching storage.
    /// </summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: > 0 and <= 128 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string NewRandom(int bytes)
    {
        Span<byte> buffer = stackalloc byte[bytes];
        RandomNumberGenerator.Fill(buffer);
        return Base64Url.EncodeToString(buffer);
    }
}
