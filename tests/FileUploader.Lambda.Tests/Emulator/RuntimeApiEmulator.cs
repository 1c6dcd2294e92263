using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FileUploader.Lambda.Tests.Emulator;

/// <summary>
/// Our own Lambda Runtime API (2018-06-01) on a free loopback port, as the Lambda service presents it to a custom
/// runtime: <c>/next</c> hands out queued events (long-polling until one is queued), <c>/response</c>,
/// <c>/error</c> and <c>/init/error</c> are recorded and answered 202. Tests queue events and await outcomes.
/// </summary>
public sealed class RuntimeApiEmulator : IAsyncDisposable
{
    private const string Prefix = "/2018-06-01/runtime";

    private readonly Channel<QueuedEvent> _events = Channel.CreateUnbounded<QueuedEvent>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationOutcome>> _outcomes = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<ReportedError> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstNext = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _log = new();
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private int _nextRequests;

    /// <summary>How long a test waits for the runtime to report back before failing (generous: CI boxes are slow).</summary>
    public static TimeSpan Patience { get; } = TimeSpan.FromSeconds(30);

    /// <summary>The value for <c>AWS_LAMBDA_RUNTIME_API</c>.</summary>
    public string RuntimeApi { get; private set; } = string.Empty;

    /// <summary>How many <c>GET /next</c> requests arrived.</summary>
    public int NextRequestCount => Volatile.Read(ref _nextRequests);

    /// <summary>Every request in arrival order, as "METHOD path".</summary>
    public IReadOnlyList<string> RequestLog => [.. _log];

    public Task FirstNextRequest => _firstNext.Task;

    /// <summary>Lambda's limit on a synchronous response (6 MB); a test may lower it to provoke a 413.</summary>
    public int MaxResponseBytes { get; private init; } = 6 * 1024 * 1024;

    public static async Task<RuntimeApiEmulator> StartAsync(int? maxResponseBytes = null)
    {
        var emulator = new RuntimeApiEmulator { MaxResponseBytes = maxResponseBytes ?? 6 * 1024 * 1024 };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet($"{Prefix}/invocation/next", emulator.NextAsync);
        app.MapPost($"{Prefix}/invocation/{{requestId}}/response", emulator.ResponseAsync);
        app.MapPost($"{Prefix}/invocation/{{requestId}}/error", emulator.ErrorAsync);
        app.MapPost($"{Prefix}/init/error", emulator.InitErrorAsync);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        emulator._app = app;
        emulator.RuntimeApi = $"127.0.0.1:{address.Port}";
        return emulator;
    }

    /// <summary>Queues an event; returns its request id.</summary>
    public string Enqueue(string payload, DateTimeOffset? deadline = null, string? traceHeader = null)
    {
        var requestId = Guid.NewGuid().ToString();
        _outcomes[requestId] = new TaskCompletionSource<InvocationOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queued = new QueuedEvent(
            requestId,
            payload,
            deadline ?? DateTimeOffset.UtcNow.AddMinutes(5),
            traceHeader,
            "arn:aws:lambda:us-east-1:123456789012:function:fileuploader-test");
        if (!_events.Writer.TryWrite(queued))
        {
            throw new InvalidOperationException("The emulator is stopped.");
        }

        return requestId;
    }

    public Task<InvocationOutcome> OutcomeAsync(string requestId) => _outcomes[requestId].Task.WaitAsync(Patience);

    public Task<ReportedError> InitErrorAsync() => _initError.Task.WaitAsync(Patience);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _events.Writer.TryComplete();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task NextAsync(HttpContext http)
    {
        _log.Enqueue("GET next");
        Interlocked.Increment(ref _nextRequests);
        _firstNext.TrySetResult();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping.Token);
        QueuedEvent queued;
        try
        {
            queued = await _events.Reader.ReadAsync(linked.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        http.Response.Headers["Lambda-Runtime-Aws-Request-Id"] = queued.RequestId;
        http.Response.Headers["Lambda-Runtime-Deadline-Ms"] = queued.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = queued.FunctionArn;
        if (queued.TraceHeader is not null)
        {
            http.Response.Headers["Lambda-Runtime-Trace-Id"] = queued.TraceHeader;
        }

        await http.Response.WriteAsync(queued.Payload);
    }

    private async Task ResponseAsync(HttpContext http, string requestId)
    {
        _log.Enqueue($"POST {requestId}/response");
        var body = await ReadBodyAsync(http);
        if (Encoding.UTF8.GetByteCount(body) > MaxResponseBytes && _outcomes.TryGetValue(requestId, out var pending))
        {
            // As the service does: refuse the answer with 413 and fail the invocation itself.
            var error = new ErrorBody(
                $"Response payload size exceeded maximum allowed payload size ({MaxResponseBytes} bytes).", "Function.ResponseSizeTooLarge", null);
            pending.TrySetResult(new InvocationOutcome(requestId, Succeeded: false, body, error.ErrorType, error));
            http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await http.Response.WriteAsJsonAsync(new { errorMessage = error.ErrorMessage, errorType = "RequestEntityTooLarge" });
            return;
        }

        await CompleteAsync(http, requestId, new InvocationOutcome(requestId, Succeeded: true, body, ErrorTypeHeader: null, Error: null));
    }

    private async Task ErrorAsync(HttpContext http, string requestId)
    {
        _log.Enqueue($"POST {requestId}/error");
        var body = await ReadBodyAsync(http);
        var error = ParseError(body);
        var header = http.Request.Headers["Lambda-Runtime-Function-Error-Type"].ToString();
        await CompleteAsync(http, requestId, new InvocationOutcome(requestId, Succeeded: false, body, header, error));
    }

    private async Task InitErrorAsync(HttpContext http)
    {
        _log.Enqueue("POST init/error");
        var body = await ReadBodyAsync(http);
        var header = http.Request.Headers["Lambda-Runtime-Function-Error-Type"].ToString();
        _initError.TrySetResult(new ReportedError(header, ParseError(body)));
        await AcceptedAsync(http);
    }

    private async Task CompleteAsync(HttpContext http, string requestId, InvocationOutcome outcome)
    {
        if (!_outcomes.TryGetValue(requestId, out var pending) || !pending.TrySetResult(outcome))
        {
            // The service's answer to an unknown or already-answered request id.
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsJsonAsync(new { errorMessage = "Invalid request ID", errorType = "InvalidRequestID" });
            return;
        }

        await AcceptedAsync(http);
    }

    private static async Task AcceptedAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status202Accepted;
        await http.Response.WriteAsJsonAsync(new { status = "OK" });
    }

    private static async Task<string> ReadBodyAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        return await reader.ReadToEndAsync();
    }

    private static ErrorBody? ParseError(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<ErrorBody>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record QueuedEvent(string RequestId, string Payload, DateTimeOffset Deadline, string? TraceHeader, string FunctionArn);
}

/// <summary>What the runtime reported for one invocation: the raw body, and for an error its parsed form.</summary>
public sealed record InvocationOutcome(string RequestId, bool Succeeded, string Body, string? ErrorTypeHeader, ErrorBody? Error);

public sealed record ReportedError(string ErrorTypeHeader, ErrorBody? Error);

/// <summary>The Runtime API's error document.</summary>
public sealed record ErrorBody(string ErrorMessage, string ErrorType, IReadOnlyList<string>? StackTrace);
