using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FileUploader.Core.Domain;

namespace FileUploader.Api;

/// <summary>
/// What the shared handling answers: a status, headers and a small body (JSON, a redirect, a preview page), or, for
/// a host that serves bytes itself, the file to send (<see cref="FileToServe"/>).
/// </summary>
public sealed class ApiResponse
{
    private ApiResponse(int statusCode, IReadOnlyDictionary<string, string> headers, ReadOnlyMemory<byte> body, FileRecord? fileToServe)
    {
        StatusCode = statusCode;
        Headers = headers;
        Body = body;
        FileToServe = fileToServe;
    }

    public int StatusCode { get; }

    /// <summary>Response headers, <c>Content-Type</c> included when there is a body.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>
    /// Set when the download was counted and the host must now send this file's bytes itself (the local server, which
    /// streams them with ranges). A host that redirects never sees it: the handling answers a redirect instead.
    /// </summary>
    public FileRecord? FileToServe { get; }

    public string? ContentType => Headers.TryGetValue(HeaderNames.ContentType, out var value) ? value : null;

    public static ApiResponse Json<T>(int statusCode, T value, JsonTypeInfo<T> typeInfo, string? location = null)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [HeaderNames.ContentType] = "application/json; charset=utf-8",
            [HeaderNames.CacheControl] = "no-store",
        };
        if (location is not null)
        {
            headers[HeaderNames.Location] = location;
        }

        return new ApiResponse(statusCode, headers, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), null);
    }

    /// <summary>The one refusal shape: <c>{error, message}</c>, never cached, never sniffed.</summary>
    public static ApiResponse Error(int statusCode, string error, string message)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [HeaderNames.ContentType] = "application/json; charset=utf-8",
            [HeaderNames.CacheControl] = "no-store",
            [HeaderNames.XContentTypeOptions] = "nosniff",
        };
        return new ApiResponse(statusCode, headers, JsonSerializer.SerializeToUtf8Bytes(new ErrorBody(error, message), ApiJsonContext.Api.ErrorBody), null);
    }

    public static ApiResponse Error(ApiException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return Error(refusal.StatusCode, refusal.Error, refusal.Message);
    }

    /// <summary>
    /// A redirect to a signed URL. Never cached and never sent on as a Referer: the URL is a short-lived credential.
    /// </summary>
    public static ApiResponse Redirect(int statusCode, Uri location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [HeaderNames.Location] = location.AbsoluteUri,
            [HeaderNames.CacheControl] = "private, no-store",
            ["Referrer-Policy"] = "no-referrer",
        };
        return new ApiResponse(statusCode, headers, ReadOnlyMemory<byte>.Empty, null);
    }

    public static ApiResponse Text(int statusCode, string contentType, string text, IReadOnlyDictionary<string, string>? extraHeaders = null)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [HeaderNames.ContentType] = contentType };
        foreach (var (name, value) in extraHeaders ?? new Dictionary<string, string>())
        {
            headers[name] = value;
        }

        return new ApiResponse(statusCode, headers, Encoding.UTF8.GetBytes(text), null);
    }

    /// <summary>No body: <c>204</c>, or a <c>HEAD</c> answer whose headers say it all.</summary>
    public static ApiResponse Empty(int statusCode, IReadOnlyDictionary<string, string>? headers = null) =>
        new(statusCode, headers ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), ReadOnlyMemory<byte>.Empty, null);

    public static ApiResponse ServeFile(FileRecord record) =>
        new(HttpStatus.OK, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), ReadOnlyMemory<byte>.Empty, record);
}

/// <summary>Header names the handling writes (the ASP.NET ones are not available here).</summary>
public static class HeaderNames
{
    public const string ContentType = "Content-Type";
    public const string ContentLength = "Content-Length";
    public const string CacheControl = "Cache-Control";
    public const string Location = "Location";
    public const string Allow = "Allow";
    public const string XContentTypeOptions = "X-Content-Type-Options";
}

/// <summary>The status codes the API answers with.</summary>
public static class HttpStatus
{
    public const int OK = 200;
    public const int Created = 201;
    public const int NoContent = 204;
    public const int Found = 302;
    public const int BadRequest = 400;
    public const int Forbidden = 403;
    public const int NotFound = 404;
    public const int MethodNotAllowed = 405;
    public const int Conflict = 409;
    public const int Gone = 410;
    public const int PayloadTooLarge = 413;
    public const int UnsupportedMediaType = 415;
    public const int InternalServerError = 500;
    public const int ServiceUnavailable = 503;
    public const int InsufficientStorage = 507;
}
