using System.Diagnostics;
using System.Text.Json.Nodes;
using FileUploader.Lambda.Diagnostics;
using FileUploader.Lambda.Hosting;
using FileUploader.Lambda.RuntimeApi;
using FileUploader.Lambda.Tests.Emulator;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.Lambda.Tests.InProcess;

/// <summary>The host's loop and default pipeline in this process, against the Runtime API emulator over HTTP.</summary>
public sealed class LambdaBootstrapTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private RuntimeApiEmulator _runtime = null!;
    private RuntimeApiClient _client = null!;

    public async Task InitializeAsync()
    {
        _runtime = await RuntimeApiEmulator.StartAsync();
        _client = new RuntimeApiClient(_runtime.RuntimeApi);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _client.Dispose();
        await _runtime.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task RunAsync_GoodEvent_AnswersOnResponse()
    {
        var handler = new ScriptedHandler();
        _ = Run(handler);

        var requestId = _runtime.Enqueue("""{"echo":{"fileId":"f1","size":3}}""");
        var outcome = await _runtime.OutcomeAsync(requestId);

        Assert.True(outcome.Succeeded, outcome.Body);
        Assert.Equal("""{"fileId":"f1","size":3}""", outcome.Body);
        Assert.Equal(requestId, handler.LastRequestId);
    }

    [Fact]
    public async Task RunAsync_NullOutput_AnswersJsonNull()
    {
        _ = Run(new ScriptedHandler());

        var outcome = await _runtime.OutcomeAsync(_runtime.Enqueue("{}"));

        Assert.True(outcome.Succeeded);
        Assert.Equal("null", outcome.Body);
    }

    [Fact]
    public async Task RunAsync_StepFailure_ReportsErrorNameAndGoesOn()
    {
        _ = Run(new ScriptedHandler());

        var failed = _runtime.Enqueue("""{"fail":"UploadRejected"}""");
        var next = _runtime.Enqueue("""{"echo":1}""");
        var failedOutcome = await _runtime.OutcomeAsync(failed);
        var nextOutcome = await _runtime.OutcomeAsync(next);

        Assert.Equal("UploadRejected", failedOutcome.Error!.ErrorType);
        Assert.Equal("UploadRejected", failedOutcome.ErrorTypeHeader);
        Assert.Equal("scripted failure", failedOutcome.Error.ErrorMessage);
        Assert.NotEmpty(failedOutcome.Error.StackTrace!);
        Assert.True(nextOutcome.Succeeded);
    }

    [Fact]
    public async Task RunAsync_OtherException_ReportsShortTypeName()
    {
        _ = Run(new ScriptedHandler());

        var outcome = await _runtime.OutcomeAsync(_runtime.Enqueue("""{"throw":"boom"}"""));

        Assert.Equal("InvalidOperationException", outcome.Error!.ErrorType);
        Assert.Equal("boom", outcome.Error.ErrorMessage);
    }

    [Fact]
    public async Task RunAsync_BadEvent_ReportsJsonExceptionAndGoesOn()
    {
        _ = Run(new ScriptedHandler());

        var bad = _runtime.Enqueue("{not json");
        var good = _runtime.Enqueue("""{"echo":"still here"}""");

        Assert.Equal("JsonException", (await _runtime.OutcomeAsync(bad)).Error!.ErrorType);
        Assert.Equal("\"still here\"", (await _runtime.OutcomeAsync(good)).Body);
        Assert.Equal(["GET next", $"POST {bad}/error", "GET next", $"POST {good}/response"], _runtime.RequestLog.Take(4));
    }

    [Fact]
    public async Task RunAsync_HandlerNotReady_ReportsInitErrorAndReturnsOne()
    {
        var exitCode = await Run(new ScriptedHandler { Ready = false });

        var reported = await _runtime.InitErrorAsync();
        Assert.Equal(1, exitCode);
        Assert.Equal("NotReady", reported.Error!.ErrorType);
        Assert.Equal(0, _runtime.NextRequestCount);
    }

    [Fact]
    public async Task RunAsync_UnknownStepHandler_ReportsUnknownStepOnInitError()
    {
        var environment = TestHost.Environment(_runtime.RuntimeApi, handler: "NoSuchStep");

        // The production handler: StepInvocationHandler over the generated registry.
        var exitCode = await LambdaBootstrap.RunAsync(environment, _client, _ => { }, _stop.Token);

        var reported = await _runtime.InitErrorAsync();
        Assert.Equal(1, exitCode);
        Assert.Equal("UnknownStepException", reported.Error!.ErrorType);
        Assert.Contains("Validate", reported.Error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MissingBucketName_ReportsInitError()
    {
        var environment = TestHost.Environment(_runtime.RuntimeApi, handler: "Validate");

        var exitCode = await LambdaBootstrap.RunAsync(environment, _client, b => b.Services.AddFileUploaderSteps(environment), _stop.Token);

        var reported = await _runtime.InitErrorAsync();
        Assert.Equal(1, exitCode);
        Assert.Equal("InvalidOperationException", reported.Error!.ErrorType);
        Assert.Contains("BUCKET_NAME", reported.Error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_DeadlinePasses_CancelsHandlerAndReportsTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var handler = new ScriptedHandler();
        _ = Run(handler, time);

        var requestId = _runtime.Enqueue("""{"waitForCancellation":true}""", deadline: time.GetUtcNow().AddSeconds(10));
        await handler.Waiting.WaitAsync(RuntimeApiEmulator.Patience);
        time.Advance(TimeSpan.FromSeconds(10) - DeadlineMarginProbe);
        var outcome = await _runtime.OutcomeAsync(requestId);

        Assert.Equal("TimeoutException", outcome.Error!.ErrorType);
    }

    [Fact]
    public async Task RunAsync_ResponseRefusedAsTooLarge_TakesTheNextEvent()
    {
        await using var small = await RuntimeApiEmulator.StartAsync(maxResponseBytes: 64);
        using var client = new RuntimeApiClient(small.RuntimeApi);
        var run = LambdaBootstrap.RunAsync(TestHost.Environment(small.RuntimeApi), client, TestHost.With(new ScriptedHandler()), _stop.Token);

        var large = small.Enqueue("{\"echo\":\"" + new string('x', 200) + "\"}");
        var next = small.Enqueue("{\"echo\":\"fits\"}");

        Assert.Equal("Function.ResponseSizeTooLarge", (await small.OutcomeAsync(large)).Error!.ErrorType);
        Assert.Equal("\"fits\"", (await small.OutcomeAsync(next)).Body);
        Assert.False(run.IsCompleted);
    }

    [Fact]
    public async Task RunAsync_StopRequested_ReturnsZero()
    {
        var run = Run(new ScriptedHandler());
        await _runtime.FirstNextRequest.WaitAsync(RuntimeApiEmulator.Patience);

        await _stop.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(RuntimeApiEmulator.Patience));
    }

    [Fact]
    public async Task RunAsync_TraceHeader_ContinuesTheXRayTrace()
    {
        var captured = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == LambdaDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (captured)
                {
                    captured.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        _ = Run(new ScriptedHandler());

        var requestId = _runtime.Enqueue(
            """{"fail":"StorageUnavailable"}""",
            traceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
        await _runtime.OutcomeAsync(requestId);

        Activity activity;
        lock (captured)
        {
            activity = captured.Single(a => (string?)a.GetTagItem(LambdaDiagnostics.RequestIdTag) == requestId);
        }

        Assert.Equal("5759e988bd862e3fe1be46a994272793", activity.TraceId.ToHexString());
        Assert.Equal("53995c3f42cd8ad8", activity.ParentSpanId.ToHexString());
        Assert.Equal(ActivityStatusCode.Error, activity.Status);
        Assert.Equal("StorageUnavailable", activity.GetTagItem(LambdaDiagnostics.ErrorTypeTag));
    }

    // The deadline token fires this much before the deadline itself.
    private static TimeSpan DeadlineMarginProbe => Pipeline.DeadlineMiddleware.SafetyMargin;

    private Task<int> Run(ScriptedHandler handler, TimeProvider? time = null) =>
        LambdaBootstrap.RunAsync(TestHost.Environment(_runtime.RuntimeApi), _client, TestHost.With(handler, time), _stop.Token);
}
