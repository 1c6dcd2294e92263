using System.Text.Json;
using System.Text.Json.Nodes;

namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>The AWS CLI (<c>aws stepfunctions … --endpoint-url</c>) against the endpoint, as a user drives it.</summary>
public sealed class AwsCliTests(StepFunctionsApiServer server) : IClassFixture<StepFunctionsApiServer>
{
    private readonly AwsCli _aws = new(server.Endpoint);

    [Fact]
    public async Task StartSyncExecution_PassChoiceMapParallelMachine_ReturnsOutput()
    {
        var arn = await CreateWithCliAsync(Definitions.PassChoiceMapParallel);

        var result = await _aws.JsonAsync("start-sync-execution", "--state-machine-arn", arn, "--input", Definitions.PassChoiceMapParallelInput);

        Assert.Equal("SUCCEEDED", result["status"]!.GetValue<string>());
        AssertJsonEqual(Definitions.PassChoiceMapParallelOutput, result["output"]!.GetValue<string>());
        Assert.Equal(arn, result["stateMachineArn"]!.GetValue<string>());
    }

    [Fact]
    public async Task StartExecution_ThenDescribeExecution_ShowsSucceededWithOutput()
    {
        var arn = await CreateWithCliAsync(Definitions.TwoPasses);

        var started = await _aws.JsonAsync("start-execution", "--state-machine-arn", arn, "--name", "cli-run", "--input", """{"in":1}""");
        var executionArn = started["executionArn"]!.GetValue<string>();
        Assert.EndsWith(":cli-run", executionArn, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Number, started["startDate"]!.GetValueKind());
        await server.Engine.WaitForCompletionAsync(executionArn, Timeout());

        var described = await _aws.JsonAsync("describe-execution", "--execution-arn", executionArn);
        Assert.Equal("SUCCEEDED", described["status"]!.GetValue<string>());
        Assert.Equal("cli-run", described["name"]!.GetValue<string>());
        AssertJsonEqual("""{"in":1}""", described["input"]!.GetValue<string>());
        AssertJsonEqual("""{"in":1,"a":{"step":"a"},"b":{"step":"b"}}""", described["output"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetExecutionHistory_PagedByTheCli_ReturnsEveryEventInOrder()
    {
        var arn = await CreateAsync(Definitions.PassChoiceMapParallel);
        var executionArn = await RunToEndAsync(arn, Definitions.PassChoiceMapParallelInput);

        var whole = (await _aws.JsonAsync("get-execution-history", "--execution-arn", executionArn, "--no-paginate", "--max-results", "1000"))["events"]!.AsArray();
        // --page-size makes the CLI fetch 2 events per request and follow nextToken to the end.
        var paged = (await _aws.JsonAsync("get-execution-history", "--execution-arn", executionArn, "--page-size", "2"))["events"]!.AsArray();

        Assert.True(whole.Count > 10, $"expected a long history, got {whole.Count} events");
        Assert.Equal(Ids(whole), Ids(paged));
        Assert.Equal(Enumerable.Range(1, whole.Count).Select(i => (long)i), Ids(whole));
        Assert.Equal("ExecutionStarted", whole[0]!["type"]!.GetValue<string>());
        Assert.Equal(0, whole[0]!["previousEventId"]!.GetValue<long>());
        AssertJsonEqual(Definitions.PassChoiceMapParallelInput, whole[0]!["executionStartedEventDetails"]!["input"]!.GetValue<string>());
        Assert.Equal("ExecutionSucceeded", whole[^1]!["type"]!.GetValue<string>());
        AssertJsonEqual(Definitions.PassChoiceMapParallelOutput, whole[^1]!["executionSucceededEventDetails"]!["output"]!.GetValue<string>());
        Assert.Contains(whole, e => e!["type"]!.GetValue<string>() == "MapStateEntered");
        Assert.Contains(whole, e => e!["type"]!.GetValue<string>() == "ParallelStateExited");
        Assert.All(whole.Skip(1), e => Assert.True(e!["previousEventId"]!.GetValue<long>() < e["id"]!.GetValue<long>()));
    }

    [Fact]
    public async Task GetExecutionHistory_MaxItemsThenStartingToken_ResumesWhereThePageEnded()
    {
        var arn = await CreateAsync(Definitions.TwoPasses);
        var executionArn = await RunToEndAsync(arn, "{}");

        var first = await _aws.JsonAsync("get-execution-history", "--execution-arn", executionArn, "--max-items", "3", "--page-size", "3");
        var token = first["NextToken"]!.GetValue<string>();
        var rest = await _aws.JsonAsync("get-execution-history", "--execution-arn", executionArn, "--starting-token", token, "--page-size", "3");
        var reversed = await _aws.JsonAsync("get-execution-history", "--execution-arn", executionArn, "--reverse-order");

        var all = Ids(first["events"]!.AsArray()).Concat(Ids(rest["events"]!.AsArray())).ToList();
        Assert.Equal(3, first["events"]!.AsArray().Count);
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all);
        Assert.Equal(all.AsEnumerable().Reverse(), Ids(reversed["events"]!.AsArray()));
    }

    [Fact]
    public async Task ListStateMachinesAndListExecutions_AfterARun_ListThem()
    {
        var arn = await CreateAsync(Definitions.TwoPasses);
        var executionArn = await RunToEndAsync(arn, "{}");

        var machines = await _aws.JsonAsync("list-state-machines");
        var succeeded = await _aws.JsonAsync("list-executions", "--state-machine-arn", arn, "--status-filter", "SUCCEEDED");
        var running = await _aws.JsonAsync("list-executions", "--state-machine-arn", arn, "--status-filter", "RUNNING");

        Assert.Contains(machines["stateMachines"]!.AsArray(), m => m!["stateMachineArn"]!.GetValue<string>() == arn);
        Assert.Equal([executionArn], succeeded["executions"]!.AsArray().Select(e => e!["executionArn"]!.GetValue<string>()));
        Assert.Empty(running["executions"]!.AsArray());
    }

    [Fact]
    public async Task StopExecution_RunningWait_EndsAbortedWithErrorAndCause()
    {
        var arn = await CreateAsync(Definitions.LongWait);
        var started = await _aws.JsonAsync("start-execution", "--state-machine-arn", arn);
        var executionArn = started["executionArn"]!.GetValue<string>();

        var stopped = await _aws.JsonAsync("stop-execution", "--execution-arn", executionArn, "--error", "Operator", "--cause", "no longer needed");
        var described = await _aws.JsonAsync("describe-execution", "--execution-arn", executionArn);
        var history = (await _aws.JsonAsync("get-execution-history", "--execution-arn", executionArn, "--reverse-order", "--max-items", "1"))["events"]!.AsArray();

        Assert.Equal(JsonValueKind.Number, stopped["stopDate"]!.GetValueKind());
        Assert.Equal("ABORTED", described["status"]!.GetValue<string>());
        Assert.Equal("ExecutionAborted", history[0]!["type"]!.GetValue<string>());
        Assert.Equal("Operator", history[0]!["executionAbortedEventDetails"]!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task UpdateStateMachine_NewDefinition_DescribeShowsItAndNewRunsUseIt()
    {
        var arn = await CreateAsync(Definitions.TwoPasses);
        const string updated = """{"StartAt":"Only","States":{"Only":{"Type":"Pass","Result":"updated","End":true}}}""";

        var update = await _aws.JsonAsync("update-state-machine", "--state-machine-arn", arn, "--definition", updated);
        var described = await _aws.JsonAsync("describe-state-machine", "--state-machine-arn", arn);
        var run = await _aws.JsonAsync("start-sync-execution", "--state-machine-arn", arn);

        Assert.Equal(JsonValueKind.Number, update["updateDate"]!.GetValueKind());
        AssertJsonEqual(updated, described["definition"]!.GetValue<string>());
        Assert.Equal("\"updated\"", run["output"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeleteStateMachine_ThenDescribe_StateMachineDoesNotExist()
    {
        var arn = await CreateAsync(Definitions.TwoPasses);

        await _aws.JsonAsync("delete-state-machine", "--state-machine-arn", arn);
        var (code, status) = await _aws.ErrorAsync("describe-state-machine", "--state-machine-arn", arn);

        Assert.Equal("StateMachineDoesNotExist", code);
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task ValidateStateMachineDefinition_GoodAndBadDefinitions_ReportOkAndDiagnostics()
    {
        var good = await _aws.JsonAsync("validate-state-machine-definition", "--definition", Definitions.PassChoiceMapParallel);
        var bad = await _aws.JsonAsync("validate-state-machine-definition", "--definition", Definitions.MissingTarget);

        Assert.Equal("OK", good["result"]!.GetValue<string>());
        Assert.Empty(good["diagnostics"]!.AsArray());
        Assert.Equal("FAIL", bad["result"]!.GetValue<string>());
        var diagnostic = Assert.Single(bad["diagnostics"]!.AsArray());
        Assert.Equal("ERROR", diagnostic!["severity"]!.GetValue<string>());
        Assert.Contains("Nowhere", diagnostic["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Setup for tests about something else: created through the engine, not the CLI, to keep the CLI runs (about
    /// a second each) for what is under test. CreateStateMachine itself goes through the CLI in <see cref="CreateWithCliAsync"/>.
    /// </summary>
    private async Task<string> CreateAsync(string definition)
    {
        var created = await server.Engine.CreateStateMachineAsync(
            new FileUploader.StateMachine.Service.CreateStateMachineRequest("cli-" + Guid.NewGuid().ToString("N")[..12], definition, Definitions.Role, null),
            CancellationToken.None);
        return created.StateMachineArn;
    }

    private async Task<string> CreateWithCliAsync(string definition)
    {
        var created = await _aws.JsonAsync(
            "create-state-machine", "--name", "cli-" + Guid.NewGuid().ToString("N")[..12], "--definition", definition, "--role-arn", Definitions.Role);
        Assert.Equal(JsonValueKind.Number, created["creationDate"]!.GetValueKind());
        return created["stateMachineArn"]!.GetValue<string>();
    }

    private async Task<string> RunToEndAsync(string stateMachineArn, string input)
    {
        var started = await _aws.JsonAsync("start-execution", "--state-machine-arn", stateMachineArn, "--input", input);
        var executionArn = started["executionArn"]!.GetValue<string>();
        var done = await server.Engine.WaitForCompletionAsync(executionArn, Timeout());
        Assert.Equal("SUCCEEDED", done.Status);
        return executionArn;
    }

    private static List<long> Ids(JsonArray events) => [.. events.Select(e => e!["id"]!.GetValue<long>())];

    private static void AssertJsonEqual(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}, got {actual}");

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
}

/// <summary>
/// Bad requests through the AWS CLI: the AWS error code the CLI prints and the 4xx status the endpoint answered.
/// A class of its own so these CLI runs go in parallel with <see cref="AwsCliTests"/>.
/// </summary>
public sealed class AwsCliErrorTests(StepFunctionsApiServer server) : IClassFixture<StepFunctionsApiServer>
{
    private readonly AwsCli _aws = new(server.Endpoint);

    [Fact]
    public async Task CreateStateMachine_BadDefinition_InvalidDefinition()
    {
        var (code, status) = await _aws.ErrorAsync("create-state-machine", "--name", "bad-" + Guid.NewGuid().ToString("N")[..8], "--definition", Definitions.MissingTarget, "--role-arn", Definitions.Role);

        Assert.Equal("InvalidDefinition", code);
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task CreateStateMachine_NotJson_InvalidDefinition()
    {
        var (code, status) = await _aws.ErrorAsync("create-state-machine", "--name", "notjson", "--definition", "{not json", "--role-arn", Definitions.Role);

        Assert.Equal("InvalidDefinition", code);
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task DescribeStateMachine_UnknownArn_StateMachineDoesNotExist()
    {
        var (code, status) = await _aws.ErrorAsync("describe-state-machine", "--state-machine-arn", "arn:aws:states:us-east-1:123456789012:stateMachine:never-created");

        Assert.Equal("StateMachineDoesNotExist", code);
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task StartExecution_UnknownStateMachine_StateMachineDoesNotExist()
    {
        var (code, status) = await _aws.ErrorAsync("start-execution", "--state-machine-arn", "arn:aws:states:us-east-1:123456789012:stateMachine:never-created");

        Assert.Equal("StateMachineDoesNotExist", code);
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task DescribeExecution_UnknownArn_ExecutionDoesNotExist()
    {
        var (code, status) = await _aws.ErrorAsync("describe-execution", "--execution-arn", "arn:aws:states:us-east-1:123456789012:execution:never-created:nope");

        Assert.Equal("ExecutionDoesNotExist", code);
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task DescribeExecution_NotAnArn_InvalidArn()
    {
        var (code, status) = await _aws.ErrorAsync("describe-execution", "--execution-arn", "not-an-arn");

        Assert.Equal("InvalidArn", code);
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task StartExecution_SameNameOtherInput_ExecutionAlreadyExists()
    {
        var arn = await CreateAsync(Definitions.LongWait);
        var first = await _aws.JsonAsync("start-execution", "--state-machine-arn", arn, "--name", "once", "--input", """{"v":1}""");
        var again = await _aws.JsonAsync("start-execution", "--state-machine-arn", arn, "--name", "once", "--input", """{"v":1}""");

        var (code, status) = await _aws.ErrorAsync("start-execution", "--state-machine-arn", arn, "--name", "once", "--input", """{"v":2}""");

        Assert.Equal(first["executionArn"]!.GetValue<string>(), again["executionArn"]!.GetValue<string>());
        Assert.Equal("ExecutionAlreadyExists", code);
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task ListExecutions_UnknownStatusFilter_ValidationException()
    {
        var arn = await CreateAsync(Definitions.TwoPasses);

        var (code, status) = await _aws.ErrorAsync("list-executions", "--state-machine-arn", arn, "--status-filter", "SLEEPING");

        Assert.Equal("ValidationException", code);
        Assert.Equal(400, status);
    }

    private async Task<string> CreateAsync(string definition)
    {
        var created = await server.Engine.CreateStateMachineAsync(
            new FileUploader.StateMachine.Service.CreateStateMachineRequest("cli-" + Guid.NewGuid().ToString("N")[..12], definition, Definitions.Role, null),
            CancellationToken.None);
        return created.StateMachineArn;
    }
}
