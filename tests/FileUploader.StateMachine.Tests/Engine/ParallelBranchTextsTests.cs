using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// A Parallel whose branches never wait runs them one after another on the caller's thread and hands texts between
/// history events instead of rendering documents again: each branch's first Entered event shows the Parallel's input
/// as the Parallel's Entered event rendered it, and the result array's text is the branches' output texts joined (a
/// Map of iterations that never wait joins its iterations' output texts the same way).
/// These tests pin every such text byte for byte against the JSON writer's own rendering (member order, numbers as
/// written, escaping), in the cases where the shortcut applies and in those where it must not (InputPath/Parameters,
/// ResultSelector, ResultPath, OutputPath, nesting, a Map around it, failures, tolerated Map failures, retries, a
/// SQLite journal).
/// </summary>
public sealed class ParallelBranchTextsTests
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Characters the writer escapes or keeps, a quote, and numbers whose text must survive as written.
    private const string Input = """{"x":1.50,"s":"q\"uote <b>&amp; \\ é 😀 \u2028","n":[1,2.0]}""";

    [Fact]
    public async Task History_SynchronousBranches_EachBranchShowsTheParallelInputAndTheArrayJoinsTheirOutputs()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Fan","States":{
              "Fan":{"Type":"Parallel","End":true,"Branches":[
                {"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"k":"é \"q\""},"ResultPath":"$.a","End":true}}},
                {"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}},
                {"StartAt":"C","States":{
                  "C":{"Type":"Pass","Result":2.50,"ResultPath":"$.c","Next":"D"},
                  "D":{"Type":"Pass","InputPath":"$.c","End":true}}}]}}}
            """;

        var done = await h.RunAsync(definition, Input);

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        foreach (var first in new[] { "A", "B", "C" })
        {
            Assert.Equal(Text(Input), Entered(history, first));
        }

        var a = Input[..^1] + ""","a":{"k":"é \"q\""}}""";
        Assert.Equal(Text(a), Exited(history, "A"));
        Assert.Equal(Text(Input), Exited(history, "B"));
        Assert.Equal("2.50", Exited(history, "D"));
        var array = Text($"[{a},{Input},2.50]");
        Assert.Equal(array, Exited(history, "Fan"));
        Assert.Equal(array, done.Output);
        Assert.Equal(array, Json.Details(history[^1], "output"));
    }

    [Fact]
    public async Task History_BranchesEndingInChoiceSucceedNullAndEmptyObject_ArrayShowsEachOutput()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Fan","States":{
              "Fan":{"Type":"Parallel","Next":"After","Branches":[
                {"StartAt":"Pick","States":{
                  "Pick":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1.5,"Next":"Done"}],"Default":"Done"},
                  "Done":{"Type":"Succeed","OutputPath":"$.s"}}},
                {"StartAt":"Nothing","States":{"Nothing":{"Type":"Pass","Result":null,"End":true}}},
                {"StartAt":"Empty","States":{"Empty":{"Type":"Pass","Parameters":{},"End":true}}}]},
              "After":{"Type":"Pass","End":true}}}
            """;

        var done = await h.RunAsync(definition, Input);

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        var s = JsonNode.Parse(Input)!["s"]!.ToJsonString(Relaxed);
        var array = $"[{s},null,{{}}]";
        Assert.Equal(array, Exited(history, "Fan"));

        // The next state's Entered event shows the array as the Parallel left it.
        Assert.Equal(array, Entered(history, "After"));
        Assert.Equal(array, done.Output);
    }

    [Fact]
    public async Task History_ParametersAndInputPath_BranchesShowTheDocumentTheyWereGiven()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Params","States":{
              "Params":{"Type":"Parallel","Parameters":{"picked.$":"$.s","fixed":"é"},"ResultPath":"$.p","Next":"Path","Branches":[
                {"StartAt":"P1","States":{"P1":{"Type":"Pass","End":true}}},
                {"StartAt":"P2","States":{"P2":{"Type":"Pass","Result":1,"ResultPath":"$.two","End":true}}}]},
              "Path":{"Type":"Parallel","InputPath":"$.n","ResultPath":"$.q","End":true,"Branches":[
                {"StartAt":"Q1","States":{"Q1":{"Type":"Pass","End":true}}}]}}}
            """;

        var done = await h.RunAsync(definition, Input);

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        var s = JsonNode.Parse(Input)!["s"]!.ToJsonString(Relaxed);
        var parameters = $$"""{"picked":{{s}},"fixed":"é"}""";
        Assert.Equal(parameters, Entered(history, "P1"));
        Assert.Equal(parameters, Entered(history, "P2"));
        var afterParams = Text(Input[..^1] + $$""","p":[{{parameters}},{{parameters[..^1]}},"two":1}]}""");
        Assert.Equal(afterParams, Exited(history, "Params"));
        Assert.Equal("[1,2.0]", Entered(history, "Q1"));
        var afterPath = afterParams[..^1] + ""","q":[[1,2.0]]}""";
        Assert.Equal(afterPath, Exited(history, "Path"));
        Assert.Equal(afterPath, done.Output);
    }

    [Fact]
    public async Task History_ResultSelectorAndOutputPath_ExitedShowsTheShapedOutputNotTheArray()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Fan","States":{
              "Fan":{"Type":"Parallel","ResultSelector":{"first.$":"$[0]","all.$":"$"},"ResultPath":"$.r","OutputPath":"$.r","End":true,"Branches":[
                {"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},
                {"StartAt":"B","States":{"B":{"Type":"Pass","Result":{"b":1},"End":true}}}]}}}
            """;

        var done = await h.RunAsync(definition, Input);

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        const string expected = """{"first":"a","all":["a",{"b":1}]}""";
        Assert.Equal(expected, Exited(history, "Fan"));
        Assert.Equal(expected, done.Output);
    }

    [Fact]
    public async Task History_BranchesOutputTheSameVariable_ArrayHoldsItTwice()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Set","States":{
              "Set":{"Type":"Pass","Assign":{"shared":{"é":[1.50]}},"Next":"Fan"},
              "Fan":{"Type":"Parallel","End":true,"Branches":[
                {"StartAt":"A","States":{"A":{"Type":"Pass","OutputPath":"$shared","End":true}}},
                {"StartAt":"B","States":{"B":{"Type":"Pass","OutputPath":"$shared","End":true}}}]}}}
            """;

        var done = await h.RunAsync(definition, Input);

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        const string array = """[{"é":[1.50]},{"é":[1.50]}]""";
        Assert.Equal(array, Exited(history, "Fan"));
        Assert.Equal(array, done.Output);
    }

    [Fact]
    public async Task History_ParallelNestedInABranch_InnerAndOuterTextsStayExact()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Outer","States":{
              "Outer":{"Type":"Parallel","Next":"Last","Branches":[
                {"StartAt":"Inner","States":{
                  "Inner":{"Type":"Parallel","ResultPath":"$.inner","Next":"After","Branches":[
                    {"StartAt":"X","States":{"X":{"Type":"Pass","Result":1,"ResultPath":"$.x","End":true}}},
                    {"StartAt":"Y","States":{"Y":{"Type":"Pass","End":true}}}]},
                  "After":{"Type":"Pass","Result":"done","ResultPath":"$.after","End":true}}},
                {"StartAt":"Q","States":{"Q":{"Type":"Pass","Parameters":{"q.$":"$.v"},"End":true}}}]},
              "Last":{"Type":"Pass","End":true}}}
            """;

        var done = await h.RunAsync(definition, """{"v":"w"}""");

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        Assert.Equal("""{"v":"w"}""", Entered(history, "Inner"));
        Assert.Equal("""{"v":"w"}""", Entered(history, "X"));
        Assert.Equal("""{"v":"w"}""", Entered(history, "Y"));
        Assert.Equal("""{"v":"w"}""", Entered(history, "Q"));
        const string branch = """{"v":"w","inner":[{"v":"w","x":1},{"v":"w"}]}""";
        Assert.Equal(branch, Exited(history, "Inner"));
        Assert.Equal(branch, Entered(history, "After"));
        const string outer = """[{"v":"w","inner":[{"v":"w","x":1},{"v":"w"}],"after":"done"},{"q":"w"}]""";
        Assert.Equal(outer, Exited(history, "Outer"));
        Assert.Equal(outer, Entered(history, "Last"));
        Assert.Equal(outer, done.Output);
    }

    [Fact]
    public async Task History_ParallelInsideMapIterations_EachIterationShowsItsOwnArray()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Each","States":{
              "Each":{"Type":"Map","ItemsPath":"$.n","End":true,"ItemProcessor":{"StartAt":"Fan","States":{
                "Fan":{"Type":"Parallel","End":true,"Branches":[
                  {"StartAt":"S","States":{"S":{"Type":"Pass","Parameters":{"n.$":"$"},"End":true}}},
                  {"StartAt":"T","States":{"T":{"Type":"Pass","End":true}}}]}}}}}}
            """;

        var done = await h.RunAsync(definition, Input);

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        var fans = history.Where(e => e.Type == "ParallelStateExited").Select(e => Json.Details(e, "output")).ToList();
        Assert.Equal(["""[{"n":1},1]""", """[{"n":2.0},2.0]"""], fans);
        Assert.Equal("""[[{"n":1},1],[{"n":2.0},2.0]]""", done.Output);
    }

    [Fact]
    public async Task History_MapOfSynchronousIterations_ArrayJoinsTheIterationOutputsExactly()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Each","States":{
              "Each":{"Type":"Map","ItemsPath":"$.items","Next":"After","ItemProcessor":{"StartAt":"Check","States":{
                "Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"High"}],"Default":"Low"},
                "High":{"Type":"Pass","Parameters":{"n.$":"$.n","band":"hï \"gh\""},"End":true},
                "Low":{"Type":"Pass","Result":1.50,"ResultPath":"$.low","End":true}}}},
              "After":{"Type":"Pass","End":true}}}
            """;

        var done = await h.RunAsync(definition, """{"items":[{"n":1,"s":"<é>"},{"n":2.0},{"n":3}]}""");

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        var array = Text("""[{"n":1,"s":"<é>","low":1.50},{"n":2.0,"band":"hï \"gh\""},{"n":3,"band":"hï \"gh\""}]""");
        Assert.Equal(array, Exited(history, "Each"));
        Assert.Equal(array, Entered(history, "After"));
        Assert.Equal(array, done.Output);
    }

    [Fact]
    public async Task History_MapWithToleratedFailure_ArrayShowsTheErrorObjectInItsPlace()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Each","States":{
              "Each":{"Type":"Map","ToleratedFailureCount":1,"End":true,"ItemProcessor":{"StartAt":"Check","States":{
                "Check":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"Bad"}],"Default":"Good"},
                "Bad":{"Type":"Fail","Error":"Two","Cause":"no \"2\""},
                "Good":{"Type":"Pass","End":true}}}}}}
            """;

        var done = await h.RunAsync(definition, "[1,2,3]");

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        var array = Text("""[1,{"Error":"Two","Cause":"no \"2\""},3]""");
        Assert.Equal(array, Exited(history, "Each"));
        Assert.Equal(array, done.Output);
    }

    [Fact]
    public async Task Parallel_SecondOfThreeBranchesFails_ThirdNeverStartsAndCatchSeesTheUnchangedInput()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Fan","States":{
              "Fan":{"Type":"Parallel","End":true,"Catch":[{"ErrorEquals":["Boom"],"ResultPath":"$.err","Next":"Caught"}],"Branches":[
                {"StartAt":"A","States":{"A":{"Type":"Pass","Result":"changed","ResultPath":"$.x","End":true}}},
                {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"second"}}},
                {"StartAt":"Z","States":{"Z":{"Type":"Pass","End":true}}}]},
              "Caught":{"Type":"Pass","End":true}}}
            """;

        var done = await h.RunAsync(definition, Input);

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        Assert.DoesNotContain(history, e => e.DetailsJson is { } d && d.Contains("\"name\":\"Z\"", StringComparison.Ordinal));
        var failed = Assert.Single(history, e => e.Type == "ParallelStateFailed");
        Assert.Equal("Boom", Json.Details(failed, "error"));
        Assert.Equal("second", Json.Details(failed, "cause"));

        // The branch changed its own copy of the input, not the Parallel's: the Catch places the error in the original.
        var caught = Text(Input[..^1] + ""","err":{"Error":"Boom","Cause":"second"}}""");
        Assert.Equal(caught, Exited(history, "Fan"));
        Assert.Equal(caught, Entered(history, "Caught"));
        Assert.Equal(caught, done.Output);
    }

    [Fact]
    public async Task History_RetriedAfterABranchFailed_SecondAttemptShowsItsOwnInputsAndArray()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Fan","States":{
              "Fan":{"Type":"Parallel","Parameters":{"try.$":"$$.State.RetryCount","s.$":"$.s"},"End":true,
                "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":1}],"Branches":[
                {"StartAt":"Check","States":{
                  "Check":{"Type":"Choice","Choices":[{"Variable":"$.try","NumericEquals":0,"Next":"Flake"}],"Default":"Fine"},
                  "Flake":{"Type":"Fail","Error":"Flaky","Cause":"first try"},
                  "Fine":{"Type":"Pass","Result":"ok","ResultPath":"$.ok","End":true}}},
                {"StartAt":"Other","States":{"Other":{"Type":"Pass","End":true}}}]}}}
            """;
        var arn = await h.CreateAsync(definition);
        var started = await h.Engine.StartExecutionAsync(new StartExecutionRequest(arn, "retry", Input), EngineHarness.Timeout);

        await h.WaitForHistoryAsync(started.ExecutionArn, e => e.Any(x => x.Type == "ParallelStateFailed"));

        // The retry's due time is set just after the failure event: move the clock on until the retry has run.
        var completion = h.Engine.WaitForCompletionAsync(started.ExecutionArn, EngineHarness.Timeout);
        while (!completion.IsCompleted)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(completion, Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System));
        }

        var done = await completion;

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        var s = JsonNode.Parse(Input)!["s"]!.ToJsonString(Relaxed);
        var checks = history.Where(e => e.Type == "ChoiceStateEntered").Select(e => Json.Details(e, "input")).ToList();
        Assert.Equal([$$"""{"try":0,"s":{{s}}}""", $$"""{"try":1,"s":{{s}}}"""], checks);
        Assert.Equal($$"""{"try":1,"s":{{s}}}""", Entered(history, "Other"));
        var array = $$"""[{"try":1,"s":{{s}},"ok":"ok"},{"try":1,"s":{{s}}}]""";
        Assert.Equal(array, Exited(history, "Fan"));
        Assert.Equal(array, done.Output);
    }

    [Fact]
    public async Task History_SynchronousParallelOnSqliteJournal_SameEventsAsInMemoryAndAfterReopening()
    {
        const string definition = """
            {"StartAt":"Fan","States":{
              "Fan":{"Type":"Parallel","Next":"After","Branches":[
                {"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"k":1},"ResultPath":"$.a","Next":"A2"},"A2":{"Type":"Pass","End":true}}},
                {"StartAt":"B","States":{"B":{"Type":"Pass","Result":"b","End":true}}}]},
              "After":{"Type":"Pass","Parameters":{"all.$":"$"},"End":true}}}
            """;
        List<(string Type, long Previous, string? Details)> inMemory;
        await using (var memory = new EngineHarness())
        {
            var done = await memory.RunAsync(definition, Input);
            Assert.Equal("SUCCEEDED", done.Status);
            inMemory = Events(await memory.HistoryAsync(done.ExecutionArn));
        }

        using var file = new TempJournalFile("fu-parallel-texts");
        string executionArn;
        using (var journal = SqliteExecutionJournal.Open(file.Path))
        {
            await using var journaled = new EngineHarness(journal);
            var done = await journaled.RunAsync(definition, Input);
            Assert.Equal("SUCCEEDED", done.Status);
            executionArn = done.ExecutionArn;
            Assert.Equal(inMemory, Events(await journaled.HistoryAsync(executionArn)));
        }

        using (var journal = SqliteExecutionJournal.Open(file.Path))
        {
            await using var reopened = new EngineHarness(journal);
            await reopened.Engine.RecoverAsync(EngineHarness.Timeout);
            Assert.Equal(inMemory, Events(await reopened.HistoryAsync(executionArn)));
        }

        // The texts themselves, once.
        var a = Input[..^1] + ""","a":{"k":1}}""";
        var array = Text($"[{a},\"b\"]");
        var exited = inMemory.Single(e => e.Type == "ParallelStateExited").Details!;
        Assert.Equal(array, JsonDocument.Parse(exited).RootElement.GetProperty("output").GetString());
    }

    private static string Text(string json) => JsonNode.Parse(json)!.ToJsonString(Relaxed);

    private static string Entered(IReadOnlyList<HistoryEventView> history, string state) =>
        Json.Details(history.Single(e => e.Type.EndsWith("StateEntered", StringComparison.Ordinal) && Json.Details(e, "name") == state), "input");

    private static string Exited(IReadOnlyList<HistoryEventView> history, string state) =>
        Json.Details(history.Single(e => e.Type.EndsWith("StateExited", StringComparison.Ordinal) && Json.Details(e, "name") == state), "output");

    /// <summary>Each event's type, predecessor and details (the executions' names, and so their ARNs, differ).</summary>
    private static List<(string Type, long Previous, string? Details)> Events(IReadOnlyList<HistoryEventView> history) =>
        history.Select(e => (e.Type, e.PreviousEventId, e.DetailsJson)).ToList();
}
