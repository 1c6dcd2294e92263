using System.Text.Json.Nodes;
using FileUploader.StateMachine.Service;

namespace FileUploader.StateMachine.Tests.Engine;

public sealed class ServiceTests
{
    private const string PassMachine = """{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}""";
    private const string WaitMachine = """{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}}""";

    [Fact]
    public async Task CreateStateMachine_ArnAndDescribe_MatchAwsShape()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync(PassMachine, "uploads");

        var description = await h.Engine.DescribeStateMachineAsync(arn, EngineHarness.Timeout);

        Assert.Equal("arn:aws:states:us-east-1:123456789012:stateMachine:uploads", arn);
        Assert.Equal(("uploads", "ACTIVE", "STANDARD", PassMachine), (description.Name, description.Status, description.Type, description.Definition));
    }

    [Fact]
    public async Task CreateStateMachine_SameNameDifferentDefinition_ThrowsAlreadyExists()
    {
        await using var h = new EngineHarness();
        var first = await h.CreateAsync(PassMachine);
        var again = await h.CreateAsync(PassMachine);

        var ex = await Assert.ThrowsAsync<StepFunctionsException>(() => h.CreateAsync(WaitMachine));

        Assert.Equal(first, again);
        Assert.Equal(StepFunctionsErrorTypes.StateMachineAlreadyExists, ex.ErrorType);
    }

    [Fact]
    public async Task CreateStateMachine_InvalidDefinitionOrName_ThrowsAwsErrorTypes()
    {
        await using var h = new EngineHarness();

        var badDefinition = await Assert.ThrowsAsync<StepFunctionsException>(() => h.CreateAsync("""{"StartAt":"Nope","States":{"P":{"Type":"Pass","End":true}}}"""));
        var badName = await Assert.ThrowsAsync<StepFunctionsException>(() => h.CreateAsync(PassMachine, "has space"));

        Assert.Equal(StepFunctionsErrorTypes.InvalidDefinition, badDefinition.ErrorType);
        Assert.Contains("MISSING_TRANSITION_TARGET", badDefinition.Message, StringComparison.Ordinal);
        Assert.Equal(StepFunctionsErrorTypes.InvalidName, badName.ErrorType);
    }

    [Fact]
    public async Task StartExecution_SameNameSameInput_ReturnsTheSameExecution()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync(WaitMachine);

        var first = await h.Engine.StartExecutionAsync(new(arn, "upload-1", """{"a":1}"""), EngineHarness.Timeout);
        var second = await h.Engine.StartExecutionAsync(new(arn, "upload-1", """{ "a" : 1 }"""), EngineHarness.Timeout);
        var different = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.StartExecutionAsync(new(arn, "upload-1", """{"a":2}"""), EngineHarness.Timeout));
        var listed = await h.Engine.ListExecutionsAsync(new ListExecutionsRequest(arn, null, null, null), EngineHarness.Timeout);

        Assert.Equal(first, second);
        Assert.Equal("arn:aws:states:us-east-1:123456789012:execution:machine:upload-1", first.ExecutionArn);
        Assert.Equal(StepFunctionsErrorTypes.ExecutionAlreadyExists, different.ErrorType);
        Assert.Single(listed.Items);
    }

    [Fact]
    public async Task StartExecution_NoName_GetsAUuidName()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync(PassMachine);

        var started = await h.Engine.StartExecutionAsync(new(arn, null, null), EngineHarness.Timeout);
        var done = await h.Engine.WaitForCompletionAsync(started.ExecutionArn, EngineHarness.Timeout);

        Assert.True(Guid.TryParse(done.Name, out _));
        Assert.Equal("{}", done.Input);
    }

    [Fact]
    public async Task StartExecution_BadInputArnOrMachine_ThrowsAwsErrorTypes()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync(PassMachine);

        var badInput = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.StartExecutionAsync(new(arn, "x", "{not json"), EngineHarness.Timeout));
        var badArn = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.StartExecutionAsync(new("not-an-arn", "x", "{}"), EngineHarness.Timeout));
        var missing = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.StartExecutionAsync(new(arn + "Other", "x", "{}"), EngineHarness.Timeout));
        var badExecutionArn = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.DescribeExecutionAsync(arn, EngineHarness.Timeout));
        var missingExecution = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.DescribeExecutionAsync("arn:aws:states:us-east-1:123456789012:execution:machine:nope", EngineHarness.Timeout));

        Assert.Equal(StepFunctionsErrorTypes.InvalidExecutionInput, badInput.ErrorType);
        Assert.Equal(StepFunctionsErrorTypes.InvalidArn, badArn.ErrorType);
        Assert.Equal(StepFunctionsErrorTypes.StateMachineDoesNotExist, missing.ErrorType);
        Assert.Equal(StepFunctionsErrorTypes.InvalidArn, badExecutionArn.ErrorType);
        Assert.Equal(StepFunctionsErrorTypes.ExecutionDoesNotExist, missingExecution.ErrorType);
    }

    [Fact]
    public async Task StopExecution_Running_AbortsWithErrorAndCause()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync(WaitMachine);
        var started = await h.Engine.StartExecutionAsync(new(arn, "stop-me", "{}"), EngineHarness.Timeout);
        await h.WaitForHistoryAsync(started.ExecutionArn, e => e.Any(x => x.Type == "WaitStateEntered"));

        await h.Engine.StopExecutionAsync(started.ExecutionArn, "UserCancelled", "changed my mind", EngineHarness.Timeout);
        h.Time.Advance(TimeSpan.FromSeconds(10));
        var done = await h.Engine.WaitForCompletionAsync(started.ExecutionArn, EngineHarness.Timeout);
        var history = await h.HistoryAsync(started.ExecutionArn);

        Assert.Equal(("ABORTED", "UserCancelled", "changed my mind"), (done.Status, done.Error, done.Cause));
        Assert.Equal("ExecutionAborted", history[^1].Type);
        Assert.DoesNotContain(history, e => e.Type == "WaitStateExited");
    }

    [Fact]
    public async Task ListExecutions_StatusFilterAndPagination_WalkAllPages()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync(PassMachine);
        for (var i = 0; i < 5; i++)
        {
            await h.Engine.StartSyncExecutionAsync(new(arn, $"e{i}", "{}"), EngineHarness.Timeout);
            h.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await h.Engine.ListExecutionsAsync(new ListExecutionsRequest(arn, "SUCCEEDED", 2, token), EngineHarness.Timeout);
            names.AddRange(page.Items.Select(i => i.Name));
            token = page.NextToken;
            pages++;
        }
        while (token is not null);
        var running = await h.Engine.ListExecutionsAsync(new ListExecutionsRequest(arn, "RUNNING", null, null), EngineHarness.Timeout);
        var badToken = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.ListExecutionsAsync(new ListExecutionsRequest(arn, null, 2, "garbage!"), EngineHarness.Timeout));

        Assert.Equal(["e4", "e3", "e2", "e1", "e0"], names);
        Assert.Equal(3, pages);
        Assert.Empty(running.Items);
        Assert.Equal(StepFunctionsErrorTypes.InvalidToken, badToken.ErrorType);
    }

    [Fact]
    public async Task GetExecutionHistory_ReverseOrderAndPages_IdsChainToPreviousEvents()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}""", """{"k":"v"}""");

        var forward = await h.Engine.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(result.ExecutionArn, 4, null, false), EngineHarness.Timeout);
        var rest = await h.Engine.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(result.ExecutionArn, 4, forward.NextToken, false), EngineHarness.Timeout);
        var reversed = await h.Engine.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(result.ExecutionArn, null, null, true), EngineHarness.Timeout);

        var all = forward.Items.Concat(rest.Items).ToList();
        Assert.Equal(["ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"], all.Select(e => e.Type));
        Assert.Null(rest.NextToken);
        Assert.Equal(all.Select(e => e.Id).Reverse(), reversed.Items.Select(e => e.Id));
        Assert.Equal([0L, 1, 2, 3, 4, 5], all.Select(e => e.PreviousEventId));
        Assert.Equal("executionStartedEventDetails", all[0].DetailsFieldName);
        Json.Equal("""{"k":"v"}""", Json.Details(all[0], "input"));
        Assert.Equal("stateEnteredEventDetails", all[1].DetailsFieldName);
        Assert.Equal("stateExitedEventDetails", all[2].DetailsFieldName);
        Assert.Equal("executionSucceededEventDetails", all[^1].DetailsFieldName);
    }

    [Fact]
    public async Task UpdateAndDeleteStateMachine_ChangeDefinitionThenForgetIt()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync(PassMachine);

        await h.Engine.UpdateStateMachineAsync(new UpdateStateMachineRequest(arn, WaitMachine, null), EngineHarness.Timeout);
        var updated = await h.Engine.DescribeStateMachineAsync(arn, EngineHarness.Timeout);
        await h.Engine.DeleteStateMachineAsync(arn, EngineHarness.Timeout);
        var gone = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.DescribeStateMachineAsync(arn, EngineHarness.Timeout));
        var list = await h.Engine.ListStateMachinesAsync(null, null, EngineHarness.Timeout);

        Assert.Equal(WaitMachine, updated.Definition);
        Assert.Equal(StepFunctionsErrorTypes.StateMachineDoesNotExist, gone.ErrorType);
        Assert.Empty(list.Items);
    }

    [Fact]
    public async Task StartExecutionIntegration_SyncV2_RunsAChildExecutionOfThisEngine()
    {
        await using var h = new EngineHarness();
        var child = await h.CreateAsync("""{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}}""", "child");
        var parent = await h.RunAsync("""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
                   "Parameters":{"StateMachineArn":"@CHILD@","Input":{"n.$":"$.n"}},
                   "ResultSelector":{"out.$":"$.Output","status.$":"$.Status"},"Next":"Fire"},
              "Fire":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
                   "Parameters":{"StateMachineArn":"@CHILD@","Input":{"n":1},"Name":"fire-and-forget"},"ResultPath":"$.started","End":true}}}
            """.Replace("@CHILD@", child, StringComparison.Ordinal), """{"n":21}""", "parent");

        var output = JsonNode.Parse(parent.Output!)!;
        Assert.Equal("SUCCEEDED", parent.Status);
        Json.Equal("""{"doubled":42}""", output["out"]!.ToJsonString());
        Assert.Equal("SUCCEEDED", output["status"]!.GetValue<string>());
        Assert.Equal("arn:aws:states:us-east-1:123456789012:execution:child:fire-and-forget", output["started"]!["ExecutionArn"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecutionTimeout_TopLevelTimeoutSeconds_TimesOutOnFakeClock()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync("""{"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}""");
        var started = await h.Engine.StartExecutionAsync(new(arn, "slow", "{}"), EngineHarness.Timeout);
        await h.WaitForHistoryAsync(started.ExecutionArn, e => e.Any(x => x.Type == "WaitStateEntered"));

        h.Time.Advance(TimeSpan.FromSeconds(5));
        var done = await h.Engine.WaitForCompletionAsync(started.ExecutionArn, EngineHarness.Timeout);

        Assert.Equal(("TIMED_OUT", StatesErrors.Timeout), (done.Status, done.Error));
        Assert.Equal("ExecutionTimedOut", (await h.HistoryAsync(started.ExecutionArn))[^1].Type);
    }

    [Fact]
    public async Task StopExecution_TaskInFlight_CancelsTheTaskToken()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var functions = new FunctionTable().Add("hang", async (_, ct) =>
        {
            started.TrySetResult();
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
        var arn = await h.CreateAsync("""{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"@LAMBDA@hang","End":true}}}""");
        var execution = await h.Engine.StartExecutionAsync(new(arn, "hang", "{}"), EngineHarness.Timeout);
        await started.Task.WaitAsync(EngineHarness.Timeout);

        await h.Engine.StopExecutionAsync(execution.ExecutionArn, null, null, EngineHarness.Timeout);

        await cancelled.Task.WaitAsync(EngineHarness.Timeout);
        var done = await h.Engine.DescribeExecutionAsync(execution.ExecutionArn, EngineHarness.Timeout);
        Assert.Equal("ABORTED", done.Status);
        Assert.DoesNotContain(await h.HistoryAsync(execution.ExecutionArn), e => e.Type is "LambdaFunctionFailed" or "ExecutionFailed");
    }

    [Fact]
    public async Task Retention_InMemoryJournal_ForgetsOldestFinishedExecutions()
    {
        await using var h = new EngineHarness(options: new EngineOptions { MaxRetainedHistoryEvents = 8 });
        var arn = await h.CreateAsync(PassMachine);
        var arns = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            arns.Add((await h.Engine.StartSyncExecutionAsync(new(arn, $"e{i}", "{}"), EngineHarness.Timeout)).ExecutionArn);
        }

        var forgotten = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.DescribeExecutionAsync(arns[0], EngineHarness.Timeout));
        var kept = await h.Engine.DescribeExecutionAsync(arns[3], EngineHarness.Timeout);

        Assert.Equal(StepFunctionsErrorTypes.ExecutionDoesNotExist, forgotten.ErrorType);
        Assert.Equal("SUCCEEDED", kept.Status);
    }
}
