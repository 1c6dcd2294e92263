using System.Text.Json.Nodes;

namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>boto3 against the endpoint: the whole life of a state machine and its executions, as a Python user drives it.</summary>
public sealed class Boto3Tests(StepFunctionsApiServer server) : IClassFixture<StepFunctionsApiServer>
{
    [Fact]
    public async Task Boto3Scenario_CreateStartHistoryListStopSync_BehavesLikeStepFunctions()
    {
        var report = await Boto3Driver.RunAsync(server.Endpoint, "scenario", new JsonObject
        {
            ["definition"] = Definitions.TwoPasses,
            ["waitDefinition"] = Definitions.LongWait,
        });

        Assert.Equal("ACTIVE", report["describeStateMachine"]!["status"]!.GetValue<string>());
        Assert.Equal("STANDARD", report["describeStateMachine"]!["type"]!.GetValue<string>());
        Assert.True(report["startDateIsDatetime"]!.GetValue<bool>(), "botocore should parse startDate as a timestamp");
        Assert.True(report["sameNameSameInputSameArn"]!.GetValue<bool>(), "a same-name same-input start returns the same execution");

        var described = report["describeExecution"]!;
        Assert.Equal("SUCCEEDED", described["status"]!.GetValue<string>());
        Assert.Equal("run-1", described["name"]!.GetValue<string>());
        Assert.True(described["stopAfterStart"]!.GetValue<bool>());
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"n":1,"a":{"step":"a"},"b":{"step":"b"}}"""),
            JsonNode.Parse(described["output"]!.GetValue<string>())));

        // Two Pass states: ExecutionStarted, 2 × (PassStateEntered, PassStateExited), ExecutionSucceeded.
        var events = report["historyEvents"]!.AsArray();
        Assert.Equal(
            ["ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
            events.Select(e => e!["type"]!.GetValue<string>()));
        Assert.Equal([1L, 2, 3, 4, 5, 6], events.Select(e => e!["id"]!.GetValue<long>()));
        Assert.Equal(["executionStartedEventDetails"], events[0]!["details"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal(["stateEnteredEventDetails"], events[1]!["details"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal(["stateExitedEventDetails"], events[2]!["details"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal([2, 2, 2], report["historyPageSizes"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal([1L, 2, 3, 4, 5, 6], report["historyUnpagedIds"]!.AsArray().Select(n => n!.GetValue<long>()));
        Assert.Equal([6L, 5, 4, 3, 2, 1], report["historyReverseIds"]!.AsArray().Select(n => n!.GetValue<long>()));

        Assert.Equal(["run-1"], report["listedSucceeded"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.True(report["machineListed"]!.GetValue<bool>());
        Assert.Equal("ABORTED", report["stopped"]!["status"]!.GetValue<string>());
        Assert.Equal("SUCCEEDED", report["sync"]!["status"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"n":2,"a":{"step":"a"},"b":{"step":"b"}}"""),
            JsonNode.Parse(report["sync"]!["output"]!.GetValue<string>())));

        var errors = report["errors"]!;
        AssertError(errors["startSameNameOtherInput"], "ExecutionAlreadyExists");
        AssertError(errors["describeMissingExecution"], "ExecutionDoesNotExist");
        AssertError(errors["describeMissingMachine"], "StateMachineDoesNotExist");
        AssertError(errors["describeBadArn"], "InvalidArn");
        AssertError(errors["createBadDefinition"], "InvalidDefinition");
    }

    private static void AssertError(JsonNode? error, string code)
    {
        Assert.NotNull(error);
        Assert.Equal(code, error["code"]!.GetValue<string>());
        Assert.Equal(400, error["status"]!.GetValue<int>());
    }
}
