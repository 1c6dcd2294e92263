using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Definition;
using FileUploader.StateMachine.Execution;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// The in-memory engine's fast paths keep behaviour exactly. A state's Exited event reuses the text of its Entered event
/// when the state left the document as it was or only appended one member (ResultPath "$.name"), and the execution's
/// end reuses its last state's output text: the tests pin those texts, so a history read after later states ran still
/// shows every document as it was then. Starts check the name outside the run's construction, finished executions are
/// kept apart from running ones, unnamed executions get UUIDs from a buffered random source: the tests pin that
/// idempotency, rejection, retention and naming are unchanged.
/// </summary>
public sealed class FastPathBehaviourTests
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task History_ReadAfterLaterStatesChangedTheDocument_ShowsEachStatesInputAndOutputAsTheyWere()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Add","States":{
              "Add":{"Type":"Pass","Result":{"k":1},"ResultPath":"$.a","Next":"AddAgain"},
              "AddAgain":{"Type":"Pass","Result":2,"ResultPath":"$.b","Next":"Replace"},
              "Replace":{"Type":"Pass","Result":"r","ResultPath":"$.a","Next":"Nested"},
              "Nested":{"Type":"Pass","Result":3,"ResultPath":"$.n.m","Next":"Discard"},
              "Discard":{"Type":"Pass","Result":4,"ResultPath":null,"Next":"Pick"},
              "Pick":{"Type":"Choice","Choices":[{"Variable":"$.b","NumericEquals":2,"Next":"Self"}],"Default":"Self"},
              "Self":{"Type":"Pass","InputPath":"$.n","ResultPath":"$.copy","End":true}}}
            """;

        var done = await h.RunAsync(definition, """{"x":1.50,"s":"q\"uote"}""");

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        string[] documents =
        [
            """{"x":1.50,"s":"q\"uote"}""",
            """{"x":1.50,"s":"q\"uote","a":{"k":1}}""",
            """{"x":1.50,"s":"q\"uote","a":{"k":1},"b":2}""",
            """{"x":1.50,"s":"q\"uote","a":"r","b":2}""",
            """{"x":1.50,"s":"q\"uote","a":"r","b":2,"n":{"m":3}}""",
            """{"x":1.50,"s":"q\"uote","a":"r","b":2,"n":{"m":3}}""",
            """{"x":1.50,"s":"q\"uote","a":"r","b":2,"n":{"m":3}}""",
            """{"x":1.50,"s":"q\"uote","a":"r","b":2,"n":{"m":3},"copy":{"m":3}}""",
        ];
        var entered = history.Where(e => e.Type.EndsWith("StateEntered", StringComparison.Ordinal)).ToList();
        var exited = history.Where(e => e.Type.EndsWith("StateExited", StringComparison.Ordinal)).ToList();
        Assert.Equal(7, entered.Count);
        Assert.Equal(7, exited.Count);
        for (var i = 0; i < 7; i++)
        {
            // Byte for byte: the member order, the number as written (1.50) and the escaping.
            Assert.Equal(documents[i], Json.Details(entered[i], "input"));
            Assert.Equal(documents[i + 1], Json.Details(exited[i], "output"));
        }

        Assert.Equal(documents[^1], done.Output);
        Assert.Equal(documents[^1], Json.Details(history[^1], "output"));
    }

    [Fact]
    public async Task History_AppendedMemberWithCharactersToEscape_IsEscapedExactlyAsTheJsonWriterWould()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Parameters":{"v.$":"$.s","w":"<b>&amp; \\ é 😀 \u2028"},"ResultPath":"$['q\"k é']","Next":"B"},
              "B":{"Type":"Pass","Result":null,"ResultPath":"$.z","End":true}}}
            """;
        const string input = """{"s":"he said \"hi\" \\ <script> é 😀 \u2028 \u0001"}""";

        var done = await h.RunAsync(definition, input);

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        var expected = JsonNode.Parse(input)!.AsObject();
        expected["q\"k é"] = new JsonObject { ["v"] = "he said \"hi\" \\ <script> é 😀 \u2028 \u0001", ["w"] = "<b>&amp; \\ é 😀 \u2028" };
        var afterA = expected.ToJsonString(Relaxed);
        expected["z"] = null;
        var afterB = expected.ToJsonString(Relaxed);

        var outputs = history.Where(e => e.Type == "PassStateExited").Select(e => e.DetailsJson!).ToList();
        Assert.Contains($"\"output\":{JsonSerializer.Serialize(afterA, Relaxed)}", outputs[0], StringComparison.Ordinal);
        Assert.Contains($"\"output\":{JsonSerializer.Serialize(afterB, Relaxed)}", outputs[1], StringComparison.Ordinal);
        Assert.Contains($"\"output\":{JsonSerializer.Serialize(afterB, Relaxed)}", history[^1].DetailsJson, StringComparison.Ordinal);
        Assert.Equal(afterB, done.Output);
    }

    [Fact]
    public async Task History_EmptyObjectGainsAMember_ShowsTheMemberWithoutALeadingComma()
    {
        await using var h = new EngineHarness();

        var done = await h.RunAsync("""{"StartAt":"A","States":{"A":{"Type":"Pass","Result":[1,{"a":2}],"ResultPath":"$.r","End":true}}}""", "{}");

        var history = await h.HistoryAsync(done.ExecutionArn);
        Assert.Equal("{}", Json.Details(history[1], "input"));
        Assert.Equal("""{"r":[1,{"a":2}]}""", Json.Details(history[2], "output"));
        Assert.Equal("""{"r":[1,{"a":2}]}""", done.Output);
    }

    [Fact]
    public async Task History_ParallelAndMapChildrenBetweenStates_ParentDocumentsStayExact()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Result":1,"ResultPath":"$.r","Next":"Fan"},
              "Fan":{"Type":"Parallel","ResultPath":"$.par","Next":"Each","Branches":[
                {"StartAt":"X","States":{"X":{"Type":"Pass","Result":9,"ResultPath":"$.x","End":true}}},
                {"StartAt":"Y","States":{"Y":{"Type":"Pass","End":true}}}]},
              "Each":{"Type":"Map","ItemsPath":"$.items","ResultPath":"$.out","Next":"B","ItemProcessor":{"StartAt":"I","States":{
                "I":{"Type":"Pass","Result":"t","ResultPath":"$.tag","End":true}}}},
              "B":{"Type":"Pass","Result":3,"ResultPath":"$.r2","End":true}}}
            """;

        var done = await h.RunAsync(definition, """{"items":[{"n":1},{}]}""");

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        string Output(string state) => Json.Details(history.Single(e => e.Type.EndsWith("StateExited", StringComparison.Ordinal) && Json.Details(e, "name") == state), "output");
        Assert.Equal("""{"items":[{"n":1},{}],"r":1}""", Output("A"));
        Assert.Equal("""{"items":[{"n":1},{}],"r":1,"x":9}""", Output("X"));
        Assert.Equal("""{"items":[{"n":1},{}],"r":1}""", Output("Y"));
        Assert.Equal("""{"items":[{"n":1},{}],"r":1,"par":[{"items":[{"n":1},{}],"r":1,"x":9},{"items":[{"n":1},{}],"r":1}]}""", Output("Fan"));
        var each = """{"items":[{"n":1},{}],"r":1,"par":[{"items":[{"n":1},{}],"r":1,"x":9},{"items":[{"n":1},{}],"r":1}],"out":[{"n":1,"tag":"t"},{"tag":"t"}]}""";
        Assert.Equal(each, Output("Each"));
        Assert.Equal(each[..^1] + ""","r2":3}""", Output("B"));
        Assert.Equal(Output("B"), done.Output);
    }

    [Fact]
    public async Task History_CatchAfterATaskResult_ShowsTheCaughtErrorAppendedToTheInput()
    {
        await using var h = new EngineHarness();
        h.Functions.Add("fails", _ => throw new Tasks.TaskFailedException("Boom", "it broke"));
        const string definition = """
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"@LAMBDA@fails","ResultPath":"$.res","Next":"Done",
                   "Catch":[{"ErrorEquals":["Boom"],"ResultPath":"$.err","Next":"Done"}]},
              "Done":{"Type":"Pass","Result":1,"ResultPath":"$.after","End":true}}}
            """;

        var done = await h.RunAsync(definition, """{"a":1}""");

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        var taskExited = history.Single(e => e.Type == "TaskStateExited");
        Assert.Equal("""{"a":1,"err":{"Error":"Boom","Cause":"it broke"}}""", Json.Details(taskExited, "output"));
        Assert.Equal("""{"a":1,"err":{"Error":"Boom","Cause":"it broke"},"after":1}""", done.Output);
    }

    [Fact]
    public async Task History_ManyFinishedExecutions_EachReadsBackItsOwnEvents()
    {
        // Sealed histories share memory blocks: each must read back whole and only its own.
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync("""{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":"$.r","End":true}}}""");
        var executions = new List<(string Arn, int Marker)>();
        for (var i = 0; i < 400; i++)
        {
            // Inputs of different sizes, so the histories are not all the same length.
            var input = new JsonObject { ["marker"] = i, ["pad"] = new string('p', i % 37) }.ToJsonString();
            var done = await h.Engine.StartSyncExecutionAsync(new StartExecutionRequest(arn, $"e-{i}", input), EngineHarness.Timeout);
            executions.Add((done.ExecutionArn, i));
        }

        foreach (var (executionArn, marker) in executions)
        {
            var history = await h.HistoryAsync(executionArn);
            Assert.Equal(["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"], history.Select(e => e.Type));
            var expected = new JsonObject { ["marker"] = marker, ["pad"] = new string('p', marker % 37), ["r"] = 1 }.ToJsonString();
            Assert.Equal(expected, Json.Details(history[2], "output"));
            Assert.Equal(expected, Json.Details(history[3], "output"));
        }
    }

    [Fact]
    public async Task History_MemoryOfForgottenExecutionsReused_KeptHistoriesStayIntact()
    {
        // 300 executions of four events (about 300 KiB of history, several memory blocks) are kept; thousands pass
        // through, so the memory that held the histories of forgotten ones is reused for new ones while the kept ones
        // are read.
        await using var h = new EngineHarness(options: new EngineOptions { MaxRetainedHistoryEvents = 1200 });
        var arn = await h.CreateAsync("""{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":"$.r","End":true}}}""");
        static string Input(int i) => new JsonObject { ["marker"] = i, ["pad"] = new string('p', i * 7 % 301) }.ToJsonString();
        static string Output(int i) => new JsonObject { ["marker"] = i, ["pad"] = new string('p', i * 7 % 301), ["r"] = 1 }.ToJsonString();
        var arns = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            var done = await h.Engine.StartSyncExecutionAsync(new StartExecutionRequest(arn, $"e-{i}", Input(i)), EngineHarness.Timeout);
            arns.Add(done.ExecutionArn);
            foreach (var back in new[] { 0, 150, 299 })
            {
                if (i >= back)
                {
                    var history = await h.HistoryAsync(arns[i - back]);
                    Assert.Equal(4, history.Count);
                    Assert.Equal(Input(i - back), Json.Details(history[0], "input"));
                    Assert.Equal(Output(i - back), Json.Details(history[3], "output"));
                }
            }
        }

        var forgotten = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(arns[2600], 100, null, false), EngineHarness.Timeout));
        Assert.Equal(StepFunctionsErrorTypes.ExecutionDoesNotExist, forgotten.ErrorType);
    }

    [Fact]
    public void ReleaseHistory_FinishedRunLetGo_ItsSnapshotIsNullAndOthersInTheSameMemoryStayReadable()
    {
        // A reader that found the run just before the engine let it go must not read memory given to another history.
        var definition = DefinitionParser.Parse("""{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}""", out _)!;
        ExecutionRun Finished(string name)
        {
            var record = new ExecutionRecord(
                $"arn:aws:states:us-east-1:123456789012:execution:m:{name}", "arn:aws:states:us-east-1:123456789012:stateMachine:m", name, "RUNNING",
                DateTimeOffset.UnixEpoch, null, $$"""{"name":"{{name}}"}""", null, null, null, "{}", "arn:aws:iam::123456789012:role/r", null);
            var run = new ExecutionRun(record, definition, new InMemoryExecutionJournal(), TimeProvider.System, history: null);
            run.AddEvent(null, "ExecutionStarted", new EventDetails { Input = record.Input });
            Assert.True(run.TryFinish(null, "SUCCEEDED", "ExecutionSucceeded", new EventDetails { Output = record.Input }, record.Input, null, null));
            return run;
        }

        var first = Finished("first");
        var second = Finished("second");

        first.ReleaseHistory();
        var third = Finished("third");

        Assert.Null(first.SnapshotHistory());
        static string? Output(HistoryEvent e) => JsonDocument.Parse(e.DetailsJson!).RootElement.GetProperty("output").GetString();
        Assert.Equal("""{"name":"second"}""", Output(second.SnapshotHistory()![1]));
        Assert.Equal("""{"name":"third"}""", Output(third.SnapshotHistory()![1]));
    }

    [Fact]
    public async Task StartSyncExecution_ManyThreadsSameNameAndInput_StartOneExecutionThatAllOfThemSee()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync("""{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":"$.r","End":true}}}""");

        var starts = Enumerable.Range(0, 16)
            .Select(_ => Task.Run(() => h.Engine.StartSyncExecutionAsync(new StartExecutionRequest(arn, "same", """{"v":1}"""), EngineHarness.Timeout)))
            .ToArray();
        var results = await Task.WhenAll(starts);

        Assert.Single(results.Select(r => r.ExecutionArn).Distinct());
        Assert.All(results, r => Assert.Equal("""{"v":1,"r":1}""", r.Output));
        var listed = await h.Engine.ListExecutionsAsync(new ListExecutionsRequest(arn, null, null, null), EngineHarness.Timeout);
        Assert.Single(listed.Items);
        Assert.Equal(4, (await h.HistoryAsync(results[0].ExecutionArn)).Count);
    }

    [Fact]
    public async Task StartSyncExecution_ManyThreadsSameNameDifferentInputs_ExactlyOneStartsTheOthersAreRejected()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync("""{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}""");

        var starts = Enumerable.Range(0, 16)
            .Select(i => Task.Run(async () =>
            {
                try
                {
                    return (await h.Engine.StartSyncExecutionAsync(new StartExecutionRequest(arn, "contested", $$"""{"v":{{i}}}"""), EngineHarness.Timeout)).Output;
                }
                catch (StepFunctionsException ex) when (ex.ErrorType == StepFunctionsErrorTypes.ExecutionAlreadyExists)
                {
                    return null;
                }
            }))
            .ToArray();
        var outputs = await Task.WhenAll(starts);

        var winner = Assert.Single(outputs, o => o is not null);
        var described = await h.Engine.DescribeExecutionAsync(arn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":contested", EngineHarness.Timeout);
        Assert.Equal(winner, described.Output);
        Assert.Equal(described.Input, described.Output);
    }

    [Fact]
    public async Task Retention_InMemoryJournal_KeptExecutionsAreListedOnceAndOnlyForgottenNamesCanStartAgain()
    {
        // Four events per execution: two executions fit.
        await using var h = new EngineHarness(options: new EngineOptions { MaxRetainedHistoryEvents = 8 });
        var arn = await h.CreateAsync("""{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}""");
        for (var i = 0; i < 4; i++)
        {
            await h.Engine.StartSyncExecutionAsync(new StartExecutionRequest(arn, $"e{i}", $$"""{"i":{{i}}}"""), EngineHarness.Timeout);
        }

        var listed = await h.Engine.ListExecutionsAsync(new ListExecutionsRequest(arn, null, null, null), EngineHarness.Timeout);
        var again = await h.Engine.StartSyncExecutionAsync(new StartExecutionRequest(arn, "e3", """{"i":3}"""), EngineHarness.Timeout);
        var rejected = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.StartSyncExecutionAsync(new StartExecutionRequest(arn, "e3", """{"i":99}"""), EngineHarness.Timeout));
        var restarted = await h.Engine.StartSyncExecutionAsync(new StartExecutionRequest(arn, "e0", """{"i":100}"""), EngineHarness.Timeout);

        Assert.Equal(["e2", "e3"], listed.Items.Select(i => i.Name).Order(StringComparer.Ordinal));
        Assert.Equal("""{"i":3}""", again.Output);
        Assert.Equal(4, (await h.HistoryAsync(again.ExecutionArn)).Count);
        Assert.Equal(StepFunctionsErrorTypes.ExecutionAlreadyExists, rejected.ErrorType);
        Assert.Equal("""{"i":100}""", restarted.Output);
    }

    [Fact]
    public async Task StartExecution_WithoutAName_NamesEachExecutionWithADistinctVersion4Uuid()
    {
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync("""{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}""");

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 600; i++)
        {
            // More than one 4 KiB block of random bytes (256 names).
            var started = await h.Engine.StartExecutionAsync(new StartExecutionRequest(arn, null, "{}"), EngineHarness.Timeout);
            var name = started.ExecutionArn[(started.ExecutionArn.LastIndexOf(':') + 1)..];
            Assert.True(Guid.TryParseExact(name, "D", out var uuid), name);
            Assert.Equal(4, uuid.Version);
            Assert.Equal(0b10, uuid.Variant >> 2);
            Assert.True(names.Add(name), $"{name} was given twice");
        }
    }
}
