using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.Api;
using FileUploader.Lambda.Diagnostics;
using FileUploader.Lambda.Hosting;
using FileUploader.Lambda.Pipeline;
using Microsoft.Extensions.Logging;

namespace FileUploader.Lambda.HttpApi;

/// <summary>
/// The <c>HttpApi</c> handler: API Gateway's payload 2.0 event → the shared <see cref="FileApi"/> → payload 2.0 answer.
/// Every outcome is an HTTP answer, refusals included (4xx JSON <c>{error, message}</c>); only a fault of the function
/// itself is a 500, and an invocation error is left for what no answer can describe (the deadline).
/// </summary>
internal sealed class HttpApiInvocationHandler(FileApi api, HttpApiSettings settings, ILogger<HttpApiInvocationHandler> logger) : IInvocationHandler
{
    /// <summary>The function's <c>Handler</c> in template.yaml. Not a step: it is no Task of any workflow.</summary>
    public const string HandlerName = "HttpApi";

    public void EnsureReady()
    {
        // Everything it needs was checked while composing the services (HttpApiComposition).
    }

    public async Task<JsonNode?> HandleAsync(JsonNode? input, InvocationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = await AnswerAsync(input, context.CancellationToken);
        return JsonSerializer.SerializeToNode(ToEvent(response), HttpApiJsonContext.Default.HttpApiResponseEvent);
    }

    internal async Task<ApiResponse> AnswerAsync(JsonNode? input, CancellationToken cancellationToken)
    {
        var method = "?";
        var path = "?";
        try
        {
            var request = ToApiRequest(input);
            method = request.Method;
            path = request.Path;
            if (path is "/upload" or "/upload/")
            {
                // A one-shot multipart upload would pass the file through API Gateway and this function, which take at
                // most 10 MB and 6 MB: the bytes go straight to S3 instead, by the pre-signed POST of POST /uploads.
                throw new ApiException(
                    HttpStatus.BadRequest,
                    "UseUploadsEndpoint",
                    "This deployment takes files straight into S3: POST /uploads {\"fileName\": ..., \"size\": ...}, then send the file to the uploadUrl it answers, with its fields (a pre-signed POST).");
            }

            return await api.HandleAsync(request, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the deadline: the pipeline reports it on /error
        }
#pragma warning disable CA1031 // Every other failure is an HTTP answer; bad input must never become a 5xx.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            var refusal = ApiErrors.Map(exception);
            if (refusal.StatusCode >= 500)
            {
                Log.HttpRequestFailed(logger, method, path, exception);
            }
            else
            {
                Log.HttpRequestRefused(logger, method, path, refusal.StatusCode, refusal.Error, refusal.Message);
            }

            return ApiResponse.Error(refusal);
        }
    }

    private ApiRequest ToApiRequest(JsonNode? input)
    {
        HttpApiRequestEvent? received;
        try
        {
            received = input?.Deserialize(HttpApiJsonContext.Default.HttpApiRequestEvent);
        }
        catch (JsonException)
        {
            received = null;
        }

        if (received is not { Version: "2.0", RawPath: { Length: > 0 } rawPath, RequestContext.Http.Method: { Length: > 0 } method })
        {
            throw ApiException.BadRequest("The function expects an API Gateway HTTP API event (payload format 2.0).");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in received.Headers ?? [])
        {
            headers[name] = value;
        }

        if (received.Cookies is { Count: > 0 } cookies)
        {
            headers["cookie"] = string.Join("; ", cookies);
        }

        return new ApiRequest(
            method.ToUpperInvariant(),
            rawPath,
            ParseQuery(received.RawQueryString),
            headers,
            Body(received),
            settings.PublicBaseUrl ?? BaseUrlOf(received.RequestContext));
    }

    private static ReadOnlyMemory<byte> Body(HttpApiRequestEvent received)
    {
        if (string.IsNullOrEmpty(received.Body))
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        if (!received.IsBase64Encoded)
        {
            return Encoding.UTF8.GetBytes(received.Body);
        }

        try
        {
            return Convert.FromBase64String(received.Body);
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("The body is marked base64 but is not valid base64.");
        }
    }

    /// <summary>The API's own domain: what API Gateway says it is, never a Host header a client chose.</summary>
    private static Uri BaseUrlOf(HttpApiRequestContext? context)
    {
        var domain = context?.DomainName;
        return domain is { Length: > 0 } && Uri.CheckHostName(domain) is UriHostNameType.Dns or UriHostNameType.IPv4
            ? new Uri("https://" + domain)
            : throw ApiException.BadRequest("The event names no domain (requestContext.domainName) to mint links for; set PUBLIC_BASE_URL.");
    }

    /// <summary>
    /// The decoded query; a parameter sent twice becomes its comma-joined value, as on the local server, so a signed
    /// parameter cannot be smuggled in twice.
    /// </summary>
    internal static Dictionary<string, string?> ParseQuery(string? rawQueryString)
    {
        var query = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(rawQueryString))
        {
            return query;
        }

        foreach (var pair in rawQueryString.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? string.Empty : Decode(pair[(eq + 1)..]);
            query[name] = query.TryGetValue(name, out var existing) ? existing + "," + value : value;
        }

        return query;
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    internal static HttpApiResponseEvent ToEvent(ApiResponse response)
    {
        var headers = new Dictionary<string, string>(response.Headers, StringComparer.OrdinalIgnoreCase);
        if (response.Body.IsEmpty)
        {
            return new HttpApiResponseEvent(response.StatusCode, headers, string.Empty, IsBase64Encoded: false);
        }

        // Every body the API writes is UTF-8 text (JSON, a preview page); anything else would go as base64.
        var contentType = response.ContentType ?? string.Empty;
        var text = contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);
        return text
            ? new HttpApiResponseEvent(response.StatusCode, headers, Encoding.UTF8.GetString(response.Body.Span), IsBase64Encoded: false)
            : new HttpApiResponseEvent(response.StatusCode, headers, Convert.ToBase64String(response.Body.Span), IsBase64Encoded: true);
    }
}
