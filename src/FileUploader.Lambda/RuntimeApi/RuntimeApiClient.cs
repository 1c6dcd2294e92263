using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace FileUploader.Lambda.RuntimeApi;

/// <summary>
/// Client of the Lambda Runtime API (version 2018-06-01) at <c>AWS_LAMBDA_RUNTIME_API</c>: fetch the next event,
/// answer it, report an invocation or an initialisation error. One invocation at a time, as Lambda runs it.
/// </summary>
internal sealed class RuntimeApiClient : IDisposable
{
    public const string RequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
    public const string DeadlineHeader = "Lambda-Runtime-Deadline-Ms";
    public const string FunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
    public const string TraceIdHeader = "Lambda-Runtime-Trace-Id";
    public const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;

    public RuntimeApiClient(string runtimeApi)
        : this(new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None }), runtimeApi)
    {
    }

    public RuntimeApiClient(HttpClient http, string runtimeApi)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeApi);
        _http = http;
        _http.BaseAddress = new Uri($"http://{runtimeApi}/2018-06-01/runtime/");

        // /next blocks until Lambda has an event, which may be many minutes away: no client-side timeout.
        _http.Timeout = Timeout.InfiniteTimeSpan;
    }

    /// <summary>Waits for the next event. Throws <see cref="RuntimeApiException"/> if Lambda answers anything but 200.</summary>
    public async Task<LambdaInvocation> GetNextInvocationAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("invocation/next", HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new RuntimeApiException("GET invocation/next", response.StatusCode, System.Text.Encoding.UTF8.GetString(body));
        }

        var requestId = Header(response, RequestIdHeader)
            ?? throw new RuntimeApiException("GET invocation/next", response.StatusCode, $"no {RequestIdHeader} header");
        DateTimeOffset? deadline = long.TryParse(Header(response, DeadlineHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
        return new LambdaInvocation(requestId, deadline, Header(response, FunctionArnHeader), Header(response, TraceIdHeader), body);
    }

    /// <summary>Answers the invocation with <paramref name="payload"/> (JSON). Lambda acknowledges with 202.</summary>
    public Task SendResponseAsync(string requestId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var content = new ReadOnlyMemoryContent(payload);
        content.Headers.ContentType = Json;
        return PostAsync($"invocation/{Uri.EscapeDataString(requestId)}/response", content, cancellationToken);
    }

    /// <summary>Reports the invocation as failed with <paramref name="error"/>'s type, which Retry/Catch match.</summary>
    public Task SendErrorAsync(string requestId, LambdaError error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        return PostAsync($"invocation/{Uri.EscapeDataString(requestId)}/error", ErrorContent(error), cancellationToken, error.ErrorType);
    }

    /// <summary>Reports that the function cannot start (Lambda then fails the pending invocation and resets).</summary>
    public Task SendInitErrorAsync(LambdaError error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        return PostAsync("init/error", ErrorContent(error), cancellationToken, error.ErrorType);
    }

    public void Dispose() => _http.Dispose();

    private static ByteArrayContent ErrorContent(LambdaError error)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(error, LambdaJsonContext.Default.LambdaError));
        content.Headers.ContentType = Json;
        return content;
    }

    private async Task PostAsync(string path, HttpContent content, CancellationToken cancellationToken, string? errorType = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (errorType is not null)
        {
            request.Headers.TryAddWithoutValidation(ErrorTypeHeader, errorType);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new RuntimeApiException($"POST {path}", response.StatusCode, body);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
