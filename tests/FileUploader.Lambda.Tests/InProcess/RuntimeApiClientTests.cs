using System.Net;
using System.Text;
using FileUploader.Lambda.RuntimeApi;
using FileUploader.Lambda.Tests.Emulator;

namespace FileUploader.Lambda.Tests.InProcess;

/// <summary>The Runtime API client against the emulator over a real loopback socket.</summary>
public sealed class RuntimeApiClientTests : IAsyncLifetime
{
    private RuntimeApiEmulator _runtime = null!;
    private RuntimeApiClient _client = null!;

    public async Task InitializeAsync()
    {
        _runtime = await RuntimeApiEmulator.StartAsync();
        _client = new RuntimeApiClient(_runtime.RuntimeApi);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _runtime.DisposeAsync();
    }

    [Fact]
    public async Task GetNextInvocationAsync_QueuedEvent_ReturnsPayloadAndHeaders()
    {
        var deadline = DateTimeOffset.FromUnixTimeMilliseconds(1_900_000_000_123);
        var requestId = _runtime.Enqueue("""{"uploadId":"u1"}""", deadline, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");

        var invocation = await _client.GetNextInvocationAsync(CancellationToken.None).WaitAsync(RuntimeApiEmulator.Patience);

        Assert.Equal(requestId, invocation.RequestId);
        Assert.Equal(deadline, invocation.Deadline);
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:fileuploader-test", invocation.InvokedFunctionArn);
        Assert.Equal("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", invocation.TraceHeader);
        Assert.Equal("""{"uploadId":"u1"}""", Encoding.UTF8.GetString(invocation.Payload.Span));
    }

    [Fact]
    public async Task GetNextInvocationAsync_NoEventYet_WaitsUntilOneIsQueued()
    {
        var next = _client.GetNextInvocationAsync(CancellationToken.None);
        await _runtime.FirstNextRequest.WaitAsync(RuntimeApiEmulator.Patience);
        Assert.False(next.IsCompleted);

        var requestId = _runtime.Enqueue("1");

        Assert.Equal(requestId, (await next.WaitAsync(RuntimeApiEmulator.Patience)).RequestId);
    }

    [Fact]
    public async Task SendResponseAsync_Payload_IsRecordedForTheRequest()
    {
        var requestId = _runtime.Enqueue("{}");
        await _client.GetNextInvocationAsync(CancellationToken.None);

        await _client.SendResponseAsync(requestId, """{"ok":true}"""u8.ToArray(), CancellationToken.None);

        var outcome = await _runtime.OutcomeAsync(requestId);
        Assert.True(outcome.Succeeded);
        Assert.Equal("""{"ok":true}""", outcome.Body);
    }

    [Fact]
    public async Task SendErrorAsync_Error_SendsBodyAndErrorTypeHeader()
    {
        var requestId = _runtime.Enqueue("{}");
        await _client.GetNextInvocationAsync(CancellationToken.None);

        await _client.SendErrorAsync(requestId, new LambdaError("too big", "UploadRejected", ["at A", "at B"]), CancellationToken.None);

        var outcome = await _runtime.OutcomeAsync(requestId);
        Assert.False(outcome.Succeeded);
        Assert.Equal("UploadRejected", outcome.ErrorTypeHeader);
        Assert.Equal("""{"errorMessage":"too big","errorType":"UploadRejected","stackTrace":["at A","at B"]}""", outcome.Body);
    }

    [Fact]
    public async Task SendInitErrorAsync_Error_IsReportedOnInitError()
    {
        await _client.SendInitErrorAsync(new LambdaError("no such step", "UnknownStepException", []), CancellationToken.None);

        var reported = await _runtime.InitErrorAsync();
        Assert.Equal("UnknownStepException", reported.ErrorTypeHeader);
        Assert.Equal("no such step", reported.Error!.ErrorMessage);
    }

    [Fact]
    public async Task SendResponseAsync_AlreadyAnswered_ThrowsRuntimeApiException()
    {
        var requestId = _runtime.Enqueue("{}");
        await _client.GetNextInvocationAsync(CancellationToken.None);
        await _client.SendResponseAsync(requestId, "1"u8.ToArray(), CancellationToken.None);

        var error = await Assert.ThrowsAsync<RuntimeApiException>(
            () => _client.SendResponseAsync(requestId, "2"u8.ToArray(), CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("InvalidRequestID", error.Message, StringComparison.Ordinal);
    }
}
