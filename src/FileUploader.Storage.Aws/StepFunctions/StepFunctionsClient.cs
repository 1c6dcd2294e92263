using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon;
using Amazon.Runtime.Signing;

namespace FileUploader.Storage.Aws.StepFunctions;

/// <summary>
/// A small typed client of the Step Functions API (AWS JSON 1.0: <c>POST /</c>, <c>X-Amz-Target:
/// AWSStepFunctions.&lt;Action&gt;</c>), SigV4-signed by AWSSDK.Core. It exists because AWSSDK.StepFunctions is not
/// available to this project; it covers what the service needs (start, describe, stop) and talks to AWS, to the
/// local server's compatible endpoint and to other compatible servers alike.
/// </summary>
public sealed class StepFunctionsClient : IDisposable
{
    private const string SigningService = "states";

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/x-amz-json-1.0");

    private readonly HttpClient _http;

    private readonly Uri _endpoint;

    public StepFunctionsClient(StepFunctionsClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _endpoint = options.Endpoint;

        // The handler signs each request just before it is sent (Authorization, X-Amz-Date and, for temporary
        // credentials, X-Amz-Security-Token), refreshing the credentials when they come from a session.
        var signing = new SigV4SigningHandler(
            options.Credentials,
            RegionEndpoint.GetBySystemName(options.Region),
            SigningService,
            new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        _http = new HttpClient(signing) { Timeout = TimeSpan.FromSeconds(70) };
    }

    /// <summary>Creates a client configured as the AWS SDKs would be (see <see cref="StepFunctionsClientOptions.FromEnvironment"/>).</summary>
    public static StepFunctionsClient FromEnvironment() => new(StepFunctionsClientOptions.FromEnvironment());

    /// <summary>
    /// Starts an execution. Starting again with the same name and input returns the same execution (Standard
    /// workflows are idempotent by name); other input throws <see cref="ExecutionAlreadyExistsException"/>.
    /// </summary>
    public Task<StartExecutionResult> StartExecutionAsync(
        string stateMachineArn,
        string? name = null,
        string? input = null,
        string? traceHeader = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(
            "StartExecution",
            new StartExecutionWireRequest(stateMachineArn, name, input, traceHeader),
            StepFunctionsWireContext.Default.StartExecutionWireRequest,
            StepFunctionsWireContext.Default.StartExecutionResult,
            cancellationToken);

    public Task<ExecutionDetails> DescribeExecutionAsync(string executionArn, CancellationToken cancellationToken = default) =>
        SendAsync(
            "DescribeExecution",
            new ExecutionArnWireRequest(executionArn),
            StepFunctionsWireContext.Default.ExecutionArnWireRequest,
            StepFunctionsWireContext.Default.ExecutionDetails,
            cancellationToken);

    /// <summary>Stops a running execution (it ends ABORTED with the given error and cause); returns the stop date.</summary>
    public async Task<DateTimeOffset> StopExecutionAsync(
        string executionArn,
        string? error = null,
        string? cause = null,
        CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(
            "StopExecution",
            new StopExecutionWireRequest(executionArn, error, cause),
            StepFunctionsWireContext.Default.StopExecutionWireRequest,
            StepFunctionsWireContext.Default.StopExecutionWireResponse,
            cancellationToken);
        return response.StopDate;
    }

    public void Dispose() => _http.Dispose();

    private async Task<TResponse> SendAsync<TRequest, TResponse>(
        string action,
        TRequest body,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint);
        request.Headers.Add("X-Amz-Target", "AWSStepFunctions." + action);
        request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, requestType));
        request.Content.Headers.ContentType = JsonContentType;

        using var response = await _http.SendAsync(request, cancellationToken);
        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw ToException(response, payload);
        }

        return JsonSerializer.Deserialize(payload, responseType)
            ?? throw new StepFunctionsClientException("SerializationException", $"{action} answered an empty body.", response.StatusCode);
    }

    private static StepFunctionsClientException ToException(HttpResponseMessage response, byte[] payload)
    {
        AwsErrorWireResponse? error = null;
        try
        {
            error = payload.Length > 0 ? JsonSerializer.Deserialize(payload, StepFunctionsWireContext.Default.AwsErrorWireResponse) : null;
        }
        catch (JsonException)
        {
            // Not AWS's error shape (a proxy's HTML page, say); fall back to the header and the status.
        }

        var header = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
        var code = ErrorCode(error?.Type) ?? ErrorCode(header) ?? $"Http{(int)response.StatusCode}";
        var message = error?.Message ?? error?.UpperMessage ?? $"Step Functions answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        return StepFunctionsClientException.Create(code, message, response.StatusCode);
    }

    /// <summary>
    /// AWS writes error types as <c>com.amazonaws.states#ExecutionDoesNotExist</c> in bodies and as
    /// <c>ExecutionDoesNotExist:http://…</c> in the header; the code is the bare name.
    /// </summary>
    private static string? ErrorCode(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var code = raw;
        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        var colon = code.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? code[..colon] : code;
    }
}
