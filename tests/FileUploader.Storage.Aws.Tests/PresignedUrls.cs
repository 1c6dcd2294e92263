using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;

namespace FileUploader.Storage.Aws.Tests;

/// <summary>Reads what a pre-signed URL or POST policy promises, the way S3 would.</summary>
internal static class PresignedUrls
{
    /// <summary>The last moment S3 accepts the URL: X-Amz-Date + X-Amz-Expires.</summary>
    public static DateTimeOffset ValidUntil(Uri url)
    {
        var query = HttpUtility.ParseQueryString(url.Query);
        var signedAt = DateTimeOffset.ParseExact(query["X-Amz-Date"]!, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        return signedAt.AddSeconds(long.Parse(query["X-Amz-Expires"]!, CultureInfo.InvariantCulture));
    }

    public static string? QueryValue(Uri url, string name) => HttpUtility.ParseQueryString(url.Query)[name];

    public static JsonDocument DecodePolicy(IReadOnlyDictionary<string, string> fields) =>
        JsonDocument.Parse(Convert.FromBase64String(Field(fields, "policy")));

    /// <summary>A form field by name, ignoring case (S3 treats POST field names case-insensitively).</summary>
    public static string Field(IReadOnlyDictionary<string, string> fields, string name) =>
        fields.Single(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The SigV4 signature S3 computes over a POST policy: HMAC chain date → region → service → request.</summary>
    public static string SignPolicy(string secretAccessKey, string policyBase64, string date, string region)
    {
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), date);
        key = Hmac(key, region);
        key = Hmac(key, "s3");
        key = Hmac(key, "aws4_request");
        return Convert.ToHexStringLower(Hmac(key, policyBase64));
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
