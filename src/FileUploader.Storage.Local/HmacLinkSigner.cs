using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FileUploader.Core.Ports;

namespace FileUploader.Storage.Local;

/// <summary>
/// Signs links to the local server with HMAC-SHA256. The signature covers the link's purpose, its key and every
/// query parameter, and verification refuses any parameter it did not sign: adding a response-header override or
/// stretching <c>expires</c> breaks the link. The 32-byte key is made once, kept in the data folder (mode 0600)
/// and reused, so links survive a restart.
/// <code>
/// download:      {base}/download/{objectKey}?expires={unixSeconds}&amp;filename={name}&amp;signature={base64url}
/// upload target: {base}/upload-target/{stagingKey}?expires={unixSeconds}&amp;maxBytes={n}&amp;contentType={type}&amp;signature={base64url}
/// </code>
/// </summary>
public sealed class HmacLinkSigner : ILinkSigner
{
    /// <summary>The key's file name inside the data folder.</summary>
    public const string KeyFileName = "link-signing.key";

    private const int KeyBytes = 32;
    private const string DownloadPurpose = "download";
    private const string UploadPurpose = "upload-target";
    private const string Expires = "expires";
    private const string FileName = "filename";
    private const string MaxBytes = "maxBytes";
    private const string ContentType = "contentType";
    private const string Signature = "signature";

    private readonly byte[] key;
    private readonly string baseUrl;
    private readonly TimeProvider timeProvider;

    public HmacLinkSigner(string dataDirectory, Uri publicBaseUrl, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (!publicBaseUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("The public base URL must be absolute.", nameof(publicBaseUrl));
        }

        key = LoadOrCreateKey(dataDirectory);
        baseUrl = publicBaseUrl.AbsoluteUri.TrimEnd('/');
        this.timeProvider = timeProvider;
    }

    public Uri CreateDownloadUrl(string objectKey, string fileName, DateTimeOffset expiresAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(objectKey);
        ArgumentNullException.ThrowIfNull(fileName);

        // Whole seconds, rounded down: a link never outlives the time it was asked for.
        var expires = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Sign(DownloadPurpose, objectKey, expires, fileName);
        return new Uri(
            $"{baseUrl}/download/{EscapeKey(objectKey)}?{Expires}={expires}&{FileName}={Uri.EscapeDataString(fileName)}&{Signature}={signature}");
    }

    public UploadTarget CreateUploadTarget(string stagingKey, long maxBytes, string contentType, DateTimeOffset expiresAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(stagingKey);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentNullException.ThrowIfNull(contentType);

        var expires = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var max = maxBytes.ToString(CultureInfo.InvariantCulture);
        var signature = Sign(UploadPurpose, stagingKey, expires, max, contentType);
        var url = new Uri(
            $"{baseUrl}/upload-target/{EscapeKey(stagingKey)}?{Expires}={expires}&{MaxBytes}={max}" +
            $"&{ContentType}={Uri.EscapeDataString(contentType)}&{Signature}={signature}");
        return new UploadTarget(url, "PUT", new Dictionary<string, string>());
    }

    /// <summary>
    /// Checks a download link. <paramref name="query"/> holds the decoded query parameters exactly as received
    /// (a parameter that came twice must be passed as its joined value, which then fails).
    /// </summary>
    public LinkCheck VerifyDownload(string objectKey, IReadOnlyDictionary<string, string?> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (string.IsNullOrEmpty(objectKey)
            || !HasExactly(query, Expires, FileName, Signature, out var values)
            || !TryParseDigits(values[0], out var expires))
        {
            return LinkCheck.Invalid;
        }

        if (!SignatureMatches(values[2], DownloadPurpose, objectKey, values[0], values[1]))
        {
            return LinkCheck.Invalid;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expires);
        return timeProvider.GetUtcNow() >= expiresAt
            ? new LinkCheck(LinkStatus.Expired, expiresAt)
            : new LinkCheck(LinkStatus.Valid, expiresAt, FileName: values[1]);
    }

    /// <summary>Checks an upload target link; see <see cref="VerifyDownload"/>.</summary>
    public LinkCheck VerifyUploadTarget(string stagingKey, IReadOnlyDictionary<string, string?> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (string.IsNullOrEmpty(stagingKey)
            || !HasExactly(query, Expires, MaxBytes, ContentType, Signature, out var values)
            || !TryParseDigits(values[0], out var expires)
            || !TryParseDigits(values[1], out var maxBytes))
        {
            return LinkCheck.Invalid;
        }

        if (!SignatureMatches(values[3], UploadPurpose, stagingKey, values[0], values[1], values[2]))
        {
            return LinkCheck.Invalid;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expires);
        return timeProvider.GetUtcNow() >= expiresAt
            ? new LinkCheck(LinkStatus.Expired, expiresAt)
            : new LinkCheck(LinkStatus.Valid, expiresAt, MaxBytes: maxBytes, ContentType: values[2]);
    }

    private string Sign(string purpose, params string[] parts)
    {
        var mac = HMACSHA256.HashData(key, Canonical(purpose, parts));
        return Base64Url.EncodeToString(mac);
    }

    private bool SignatureMatches(string signature, string purpose, params string[] parts)
    {
        // Exactly what Sign emits (43 base64url characters, no padding); the decoder throws on other characters.
        if (signature.Length != Base64Url.GetEncodedLength(HMACSHA256.HashSizeInBytes)
            || !signature.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return false;
        }

        Span<byte> given = stackalloc byte[64];
        if (!Base64Url.TryDecodeFromChars(signature, given, out var length) || length != HMACSHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, Canonical(purpose, parts), expected);
        return CryptographicOperations.FixedTimeEquals(given[..length], expected);
    }

    /// <summary>
    /// purpose, then each part percent-encoded, joined by newlines: an encoded part holds no newline, so no two
    /// different parameter lists give the same string.
    /// </summary>
    private static byte[] Canonical(string purpose, string[] parts) =>
        Encoding.UTF8.GetBytes(purpose + "\n" + string.Join("\n", parts.Select(Uri.EscapeDataString)));

    private static bool HasExactly(
        IReadOnlyDictionary<string, string?> query, string first, string second, string third, out string[] values) =>
        HasExactly(query, [first, second, third], out values);

    private static bool HasExactly(
        IReadOnlyDictionary<string, string?> query, string first, string second, string third, string fourth, out string[] values) =>
        HasExactly(query, [first, second, third, fourth], out values);

    private static bool HasExactly(IReadOnlyDictionary<string, string?> query, string[] names, out string[] values)
    {
        values = new string[names.Length];
        if (query.Count != names.Length)
        {
            return false;
        }

        for (var i = 0; i < names.Length; i++)
        {
            if (!query.TryGetValue(names[i], out var value) || value is null)
            {
                return false;
            }

            values[i] = value;
        }

        return true;
    }

    private static bool TryParseDigits(string text, out long value)
    {
        value = 0;
        return text.Length is > 0 and <= 18
            && text.All(char.IsAsciiDigit)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static string EscapeKey(string objectKey) => string.Join('/', objectKey.Split('/').Select(Uri.EscapeDataString));

    private static byte[] LoadOrCreateKey(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, KeyFileName);
        if (!File.Exists(path))
        {
            // Written aside and linked into place without overwriting: two processes starting at once agree on one key.
            var temporary = Path.Combine(dataDirectory, $"{KeyFileName}.{Guid.NewGuid():N}.tmp");
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using (var file = new FileStream(temporary, options))
                {
                    file.Write(RandomNumberGenerator.GetBytes(KeyBytes));
                    file.Flush(flushToDisk: true);
                }

                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Someone else made it first; use theirs.
            }
            finally
            {
                File.Delete(temporary);
            }
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != KeyBytes)
        {
            throw new InvalidOperationException($"The link signing key '{path}' must hold exactly {KeyBytes} bytes.");
        }

        return bytes;
    }
}

public enum LinkStatus
{
    Valid,
    Expired,

    /// <summary>Missing, extra, malformed or tampered parameters, or a signature that does not match.</summary>
    Invalid,
}

/// <summary>The outcome of verifying a link, with what the link says when it is genuine.</summary>
/// <param name="ExpiresAt">Set when the signature is genuine (Valid or Expired).</param>
/// <param name="FileName">Download links: the attachment name.</param>
/// <param name="MaxBytes">Upload targets: the most bytes the PUT may carry.</param>
/// <param name="ContentType">Upload targets: the declared type (may be empty).</param>
public sealed record LinkCheck(
    LinkStatus Status,
    DateTimeOffset? ExpiresAt = null,
    string? FileName = null,
    long? MaxBytes = null,
    string? ContentType = null)
{
    public static LinkCheck Invalid { get; } = new(LinkStatus.Invalid);
}
