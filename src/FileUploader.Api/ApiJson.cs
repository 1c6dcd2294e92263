using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FileUploader.Api;

public sealed record ErrorBody(string Error, string Message);

/// <summary>
/// <c>GET /uploads/{id}</c>, the answer to the upload PUT and (with the delete token) to <c>POST /upload</c>: one flat
/// shape, so a client reads every answer the same way. File fields appear once the file is available.
/// </summary>
public sealed record UploadView(
    string UploadId,
    string Status,
    string? FileId = null,
    string? FileName = null,
    long? Size = null,
    string? Sha256 = null,
    string? ContentType = null,
    string? DownloadUrl = null,
    string? ShareUrl = null,
    DateTimeOffset? ExpiresAt = null,
    long? MaxDownloads = null,
    string? DeleteToken = null,
    string? Error = null,
    string? Message = null);

/// <summary>What <c>POST /uploads</c> answers: where and how to send the bytes, and the owner's delete token.</summary>
public sealed record UploadInitiated(
    string UploadId,
    string UploadUrl,
    string Method,
    IReadOnlyDictionary<string, string> Fields,
    DateTimeOffset ExpiresAt,
    string StatusUrl,
    string DeleteToken);

public sealed record FileDetails(
    string FileId,
    string FileName,
    long Size,
    string ContentType,
    string Sha256,
    DateTimeOffset UploadedAt,
    DateTimeOffset ExpiresAt,
    string Status,
    long DownloadCount,
    long? MaxDownloads);

public sealed record Health(string Status);

// Source-generated: no reflection on the request path, Native AOT clean.
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(UploadView))]
[JsonSerializable(typeof(UploadInitiated))]
[JsonSerializable(typeof(FileDetails))]
[JsonSerializable(typeof(Health))]
public sealed partial class ApiJsonContext : JsonSerializerContext
{
    /// <summary>
    /// What the API writes with: the attribute's options plus relaxed escaping, so URLs read as URLs
    /// (<c>&amp;</c>, not <c>\u0026</c>). Safe because every answer is <c>application/json</c>, never embedded in HTML.
    /// </summary>
    public static ApiJsonContext Api { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
