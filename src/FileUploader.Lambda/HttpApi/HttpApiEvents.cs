using System.Text.Json.Serialization;

namespace FileUploader.Lambda.HttpApi;

/// <summary>
/// API Gateway HTTP API's event, payload format 2.0: the fields the API reads. Header names arrive in lower case, with
/// repeated headers comma-joined; cookies come separately; a binary body is base64 (<see cref="IsBase64Encoded"/>).
/// </summary>
internal sealed record HttpApiRequestEvent(
    string? Version,
    string? RawPath,
    string? RawQueryString,
    IReadOnlyList<string>? Cookies,
    Dictionary<string, string>? Headers,
    HttpApiRequestContext? RequestContext,
    string? Body,
    bool IsBase64Encoded);

/// <param name="DomainName">The API's own domain (API Gateway fills it in, not the client).</param>
internal sealed record HttpApiRequestContext(string? DomainName, string? RequestId, HttpApiHttpDescription? Http);

internal sealed record HttpApiHttpDescription(string? Method, string? Path, string? SourceIp, string? UserAgent);

/// <summary>The payload 2.0 answer: API Gateway sends exactly this status, these headers and this body.</summary>
internal sealed record HttpApiResponseEvent(int StatusCode, Dictionary<string, string> Headers, string Body, bool IsBase64Encoded);

/// <summary>Source-generated JSON for the HTTP API's events (camelCase, as API Gateway writes them).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HttpApiRequestEvent))]
[JsonSerializable(typeof(HttpApiResponseEvent))]
internal sealed partial class HttpApiJsonContext : JsonSerializerContext;
