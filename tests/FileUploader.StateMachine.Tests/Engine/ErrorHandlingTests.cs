using System.Text.Json.Nodes;
using FileUploader.StateMachine.Tasks;

namespace FileUploader.StateMachine.Tests.Engine;

public sealed class ErrorHandlingTests
{
    private static FunctionTable FailingTimes(int failures, string error = "Transient")
    {
        var calls = 0;
        return new FunctionTable().Add("flaky", input =>
            Interlocked.Increment(ref calls) <= failures ? throw new TaskFailedException(error, $"failure {calls}") : new JsonObject { ["ok"] = true });
    }

    [Fact]
    public async Task Retry_BackoffOnFakeClock_RetriesAtIntervalTimesBackoffRate()
    {
        await using var h = new EngineHarness(functions: FailingTimes(2));
        var arn = await h.CreateAsync("""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"@LAMBDA@flaky",
              "Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":5}],"End":true}}}
            """);
        var started = await h.Engine.StartExecutionAsync(new(arn, "r", "{}"), EngineHarness.Timeout);

        await h.WaitForHistoryAsync(started.ExecutionArn, e => e.Count(x => x.Type == "LambdaFunctionFailed") == 1);
        await h.WaitForTimersAsync(1);
        h.Time.Advance(TimeSpan.FromSeconds(1.9));
        var callsBeforeFirstDelay = h.Functions.CallCount("flaky");
        h.Time.Advance(TimeSpan.FromSeconds(0.1));
        await h.WaitForHistoryAsync(started.ExecutionArn, e => e.Count(x => x.Type == "LambdaFunctionFailed") == 2);
        await h.WaitForTimersAsync(2);
        h.Time.Advance(TimeSpan.FromSeconds(5.9));
        var callsBeforeSecondDelay = h.Functions.CallCount("flaky");
        h.Time.Advance(TimeSpan.FromSeconds(0.1));
        var done = await h.Engine.WaitForCompletionAsync(started.ExecutionArn, EngineHarness.Timeout);

        Assert.Equal(1, callsBeforeFirstDelay);
        Assert.Equal(2, callsBeforeSecondDelay);
        Assert.Equal("SUCCEEDED", done.Status);
        Assert.Equal(3, h.Functions.CallCount("flaky"));
        Assert.Equal([1, 2, 3], h.Functions.Calls.Select(c => c.Attempt));
        Assert.Equal(started.StartDate.AddSeconds(8), done.StopDate);
    }

    [Fact]
    public async Task Retry_MaxAttemptsZero_NeverRetries()
    {
        await using var h = new EngineHarness(functions: FailingTimes(1));
        var result = await h.RunAsync("""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"@LAMBDA@flaky",
              "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":0}],"End":true}}}
            """);

        Assert.Equal(("FAILED", "Transient"), (result.Status, result.Error));
        Assert.Equal(1, h.Functions.CallCount("flaky"));
    }

    [Fact]
    public async Task Retry_MaxDelaySeconds_CapsTheBackoff()
    {
        await using var h = new EngineHarness(functions: FailingTimes(2));
        var arn = await h.CreateAsync("""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"@LAMBDA@flaky",
              "Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":10,"BackoffRate":10,"MaxDelaySeconds":15}],"End":true}}}
            """);
        var started = await h.Engine.StartExecutionAsync(new(arn, "r", "{}"), EngineHarness.Timeout);

        await h.WaitForHistoryAsync(started.ExecutionArn, e => e.Count(x => x.Type == "LambdaFunctionFailed") == 1);
        await h.WaitForTimersAsync(1);
        h.Time.Advance(TimeSpan.FromSeconds(10));
        await h.WaitForHistoryAsync(started.ExecutionArn, e => e.Count(x => x.Type == "LambdaFunctionFailed") == 2);
        await h.WaitForTimersAsync(2);
        h.Time.Advance(TimeSpan.FromSeconds(15));
        var done = await h.Engine.WaitForCompletionAsync(started.ExecutionArn, EngineHarness.Timeout);

        Assert.Equal("SUCCEEDED", done.Status);
        Assert.Equal(started.StartDate.AddSeconds(25), done.StopDate);
    }

    [Fact]
    public async Task Catch_DefaultResultPath_ReplacesInputWithErrorAndCause()
    {
        await using var h = new EngineHarness(functions: FailingTimes(1, "UploadRejected"));
        var result = await h.RunAsync("""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"@LAMBDA@flaky","Catch":[{"ErrorEquals":["UploadRejected"],"Next":"Handler"}],"End":true},
              "Handler":{"Type":"Pass","End":true}}}
            """, """{"original":true}""");

        Json.Equal("""{"Error":"UploadRejected","Cause":"failure 1"}""", result.Output);
    }

    [Fact]
    public async Task Catch_ResultPath_KeepsInputAndAddsError()
    {
        await using var h = new EngineHarness(functions: FailingTimes(1, "UploadRejected"));
        var result = await h.RunAsync("""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"@LAMBDA@flaky","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Handler"}],"End":true},
              "Handler":{"Type":"Pass","End":true}}}
            """, """{"original":true}""");

        Json.Equal("""{"original":true,"error":{"Error":"UploadRejected","Cause":"failure 1"}}""", result.Output);
        var exited = (await h.HistoryAsync(result.ExecutionArn)).Single(e => e.Type == "TaskStateExited");
        Assert.Contains("UploadRejected", exited.DetailsJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Catch_StatesAllDoesNotCatchRuntime_ExecutionFails()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"@LAMBDA@any","InputPath":"$.missing","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handler"}],"End":true},
              "Handler":{"Type":"Pass","End":true}}}
            """);

        Assert.Equal(("FAILED", StatesErrors.Runtime), (result.Status, result.Error));
        Assert.Empty(h.Functions.Calls);
    }

    [Fact]
    public async Task Catch_TaskFailedDoesNotMatchTimeout_ButExplicitTimeoutDoes()
    {
        var functions = new FunctionTable().Add("timeout", (JsonNode? _) => throw new TaskFailedException(StatesErrors.Timeout, "took too long"));
        await using var h = new EngineHarness(functions: functions);
        var notCaught = await h.RunAsync("""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"@LAMBDA@timeout","Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"H"}],"End":true},
              "H":{"Type":"Pass","End":true}}}
            """, "{}", "m1");
        var caught = await h.RunAsync("""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"@LAMBDA@timeout","Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"H"},{"ErrorEquals":["States.Timeout"],"Next":"H"}],"End":true},
              "H":{"Type":"Pass","End":true}}}
            """, "{}", "m2");

        Assert.Equal(("FAILED", StatesErrors.Timeout), (notCaught.Status, notCaught.Error));
        Assert.Equal("SUCCEEDED", caught.Status);
    }

    [Fact]
    public async Task Retry_ThenCatch_CatchesAfterRetriesAreExhausted()
    {
        await using var h = new EngineHarness(functions: FailingTimes(10));
        var arn = await h.CreateAsync("""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"@LAMBDA@flaky",
                   "Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":1,"MaxAttempts":2,"BackoffRate":1}],
                   "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"H"}],"End":true},
              "H":{"Type":"Pass","End":true}}}
            """);
        var started = await h.Engine.StartExecutionAsync(new(arn, "rc", "{}"), EngineHarness.Timeout);
        for (var i = 1; i <= 2; i++)
        {
            var failures = i;
            await h.WaitForHistoryAsync(started.ExecutionArn, e => e.Count(x => x.Type == "LambdaFunctionFailed") == failures);
            await h.WaitForTimersAsync(failures);
            h.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var done = await h.Engine.WaitForCompletionAsync(started.ExecutionArn, EngineHarness.Timeout);

        Assert.Equal("SUCCEEDED", done.Status);
        Assert.Equal(3, h.Functions.CallCount("flaky"));
        Json.Equal("""{"err":{"Error":"Transient","Cause":"failure 3"}}""", done.Output);
    }
}
