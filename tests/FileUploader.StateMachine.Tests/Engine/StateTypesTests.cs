using System.Text.Json.Nodes;
using FileUploader.StateMachine.Tasks;

namespace FileUploader.StateMachine.Tests.Engine;

public sealed class StateTypesTests
{
    [Fact]
    public async Task Pass_ResultWithResultPath_MergesIntoInput()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.added","Next":"B"},
              "B":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.added.x, $.n)","static":"s"},"End":true}}}
            """, """{"n":41}""");

        Assert.Equal("SUCCEEDED", result.Status);
        Json.Equal("""{"sum":42,"static":"s"}""", result.Output);
    }

    [Fact]
    public async Task Pass_InputPathParametersResultPathOutputPath_AppliedInAwsOrder()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""
            {"StartAt":"A","States":{"A":{"Type":"Pass",
              "InputPath":"$.inner",
              "Parameters":{"v.$":"$.value"},
              "ResultPath":"$.inner.copy",
              "OutputPath":"$.inner",
              "End":true}}}
            """, """{"inner":{"value":7},"other":true}""");

        Json.Equal("""{"value":7,"copy":{"v":7}}""", result.Output);
    }

    [Fact]
    public async Task Pass_NullPaths_DiscardResultAndInput()
    {
        await using var h = new EngineHarness();
        var discardResult = await h.RunAsync("""{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":null,"End":true}}}""", """{"keep":1}""", "m1");
        var emptyOutput = await h.RunAsync("""{"StartAt":"A","States":{"A":{"Type":"Pass","OutputPath":null,"End":true}}}""", """{"keep":1}""", "m2");

        Json.Equal("""{"keep":1}""", discardResult.Output);
        Json.Equal("{}", emptyOutput.Output);
    }

    [Fact]
    public async Task Choice_MatchingRuleAndDefault_TakeTheRightBranch()
    {
        const string definition = """
            {"StartAt":"C","States":{
              "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":10,"Next":"Big"}],"Default":"Small"},
              "Big":{"Type":"Pass","Result":"big","End":true},
              "Small":{"Type":"Pass","Result":"small","End":true}}}
            """;
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync(definition);

        var big = await h.Engine.StartSyncExecutionAsync(new(arn, "big", """{"n":11}"""), EngineHarness.Timeout);
        var small = await h.Engine.StartSyncExecutionAsync(new(arn, "small", """{"n":3}"""), EngineHarness.Timeout);

        Assert.Equal("\"big\"", big.Output);
        Assert.Equal("\"small\"", small.Output);
    }

    [Fact]
    public async Task Choice_NoMatchAndNoDefault_FailsWithNoChoiceMatched()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""
            {"StartAt":"C","States":{
              "C":{"Type":"Choice","Choices":[{"Variable":"$.n","IsPresent":true,"Next":"Done"}]},
              "Done":{"Type":"Succeed"}}}
            """);

        Assert.Equal("FAILED", result.Status);
        Assert.Equal(StatesErrors.NoChoiceMatched, result.Error);
    }

    [Fact]
    public async Task Fail_ErrorPathAndCausePath_ComeFromInput()
    {
        await using var h = new EngineHarness();
        var fixedFail = await h.RunAsync("""{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Custom","Cause":"because"}}}""", "{}", "m1");
        var pathFail = await h.RunAsync("""
            {"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('bad {}', $.c)"}}}
            """, """{"e":"FromInput","c":"thing"}""", "m2");

        Assert.Equal(("FAILED", "Custom", "because"), (fixedFail.Status, fixedFail.Error, fixedFail.Cause));
        Assert.Equal(("FromInput", "bad thing"), (pathFail.Error, pathFail.Cause));
    }

    [Fact]
    public async Task Succeed_WithOutputPath_EndsWithSelection()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""{"StartAt":"S","States":{"S":{"Type":"Succeed","OutputPath":"$.a"}}}""", """{"a":{"b":1}}""");

        Json.Equal("""{"b":1}""", result.Output);
    }

    [Fact]
    public async Task Wait_Seconds_FiresOnlyWhenTheFakeClockAdvances()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync("""{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"D"},"D":{"Type":"Pass","End":true}}}""");
        var started = await h.Engine.StartExecutionAsync(new(arn, "w", """{"v":1}"""), EngineHarness.Timeout);
        await h.WaitForHistoryAsync(started.ExecutionArn, e => e.Any(x => x.Type == "WaitStateEntered"));
        await h.WaitForTimersAsync(1);

        h.Time.Advance(TimeSpan.FromSeconds(59));
        var stillRunning = await h.Engine.DescribeExecutionAsync(started.ExecutionArn, EngineHarness.Timeout);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        var done = await h.Engine.WaitForCompletionAsync(started.ExecutionArn, EngineHarness.Timeout);

        Assert.Equal("RUNNING", stillRunning.Status);
        Assert.Equal("SUCCEEDED", done.Status);
        Assert.Equal(started.StartDate.AddSeconds(60), done.StopDate);
        Json.Equal("""{"v":1}""", done.Output);
    }

    [Fact]
    public async Task Wait_TimestampPathInThePast_ContinuesAtOnce()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.at","End":true}}}""", """{"at":"2020-01-01T00:00:00Z"}""");

        Assert.Equal("SUCCEEDED", result.Status);
    }

    [Fact]
    public async Task Wait_SecondsPathNotANumber_FailsWithRuntimeError()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}""", """{"s":"ten"}""");

        Assert.Equal(("FAILED", StatesErrors.Runtime), (result.Status, result.Error));
    }

    [Fact]
    public async Task Task_LambdaArn_ResultSelectorResultPathApplied()
    {
        var functions = new FunctionTable().Add("double", input => new JsonObject { ["value"] = input!["n"]!.GetValue<int>() * 2, ["noise"] = 1 });
        await using var h = new EngineHarness(functions: functions);
        var result = await h.RunAsync("""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"@LAMBDA@double",
              "ResultSelector":{"doubled.$":"$.value"},"ResultPath":"$.out","End":true}}}
            """, """{"n":21}""");

        Json.Equal("""{"n":21,"out":{"doubled":42}}""", result.Output);
        var history = await h.HistoryAsync(result.ExecutionArn);
        Assert.Equal(
            ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"],
            history.Select(e => e.Type));
    }

    [Fact]
    public async Task Task_LambdaInvokeIntegration_WrapsPayloadLikeAws()
    {
        var functions = new FunctionTable().Add("echo", input => input!.DeepClone());
        await using var h = new EngineHarness(functions: functions);
        var result = await h.RunAsync("""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
              "Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:echo","Payload":{"id.$":"$.id"}},
              "End":true}}}
            """, """{"id":"abc"}""");

        var output = Json.Parse(result.Output)!;
        Assert.Equal(200, output["StatusCode"]!.GetValue<int>());
        Assert.Equal("$LATEST", output["ExecutedVersion"]!.GetValue<string>());
        Assert.Equal(200, output["SdkHttpMetadata"]!["HttpStatusCode"]!.GetValue<int>());
        Json.Equal("""{"id":"abc"}""", output["Payload"]!.ToJsonString());
        var scheduled = (await h.HistoryAsync(result.ExecutionArn)).Single(e => e.Type == "TaskScheduled");
        Assert.Equal("lambda", Json.Details(scheduled, "resourceType"));
        Assert.Equal("invoke", Json.Details(scheduled, "resource"));
    }

    [Fact]
    public async Task Task_UnknownException_FailsWithShortTypeName()
    {
        var functions = new FunctionTable().Add("boom", (JsonNode? _) => throw new InvalidOperationException("kaput"));
        await using var h = new EngineHarness(functions: functions);
        var result = await h.RunAsync("""{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"@LAMBDA@boom","End":true}}}""");

        Assert.Equal(("FAILED", "InvalidOperationException", "kaput"), (result.Status, result.Error, result.Cause));
    }

    [Fact]
    public async Task Task_TimeoutSeconds_TimesOutOnFakeClockAndCancelsTheTask()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var functions = new FunctionTable().Add("slow", async (_, ct) =>
        {
            try
            {
                await new TaskCompletionSource().Task.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                cancelled.TrySetResult();
                throw;
            }

            return null;
        });
        await using var h = new EngineHarness(functions: functions);
        var arn = await h.CreateAsync("""{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"@LAMBDA@slow","TimeoutSeconds":5,"End":true}}}""");
        var started = await h.Engine.StartExecutionAsync(new(arn, "t", "{}"), EngineHarness.Timeout);
        await h.WaitForHistoryAsync(started.ExecutionArn, e => e.Any(x => x.Type == "LambdaFunctionStarted"));
        await h.WaitForTimersAsync(1);

        h.Time.Advance(TimeSpan.FromSeconds(5));
        var done = await h.Engine.WaitForCompletionAsync(started.ExecutionArn, EngineHarness.Timeout);

        Assert.Equal(("FAILED", StatesErrors.Timeout), (done.Status, done.Error));
        await cancelled.Task.WaitAsync(EngineHarness.Timeout);
        Assert.Contains(await h.HistoryAsync(started.ExecutionArn), e => e.Type == "LambdaFunctionTimedOut");
    }
}
