using System.Text.Json.Nodes;
using FileUploader.StateMachine.Tasks;

namespace FileUploader.StateMachine.Tests.Engine;

public sealed class BranchesTests
{
    [Fact]
    public async Task Parallel_TwoBranches_OutputIsArrayInBranchOrder()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""
            {"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
              {"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"a.$":"$.x"},"End":true}}},
              {"StartAt":"B","States":{"B":{"Type":"Pass","Result":"b","End":true}}}]}}}
            """, """{"x":1}""");

        Json.Equal("""[{"a":1},"b"]""", result.Output);
        var types = (await h.HistoryAsync(result.ExecutionArn)).Select(e => e.Type).ToList();
        Assert.Equal("ParallelStateEntered", types[1]);
        Assert.Equal("ParallelStateStarted", types[2]);
        Assert.Contains("ParallelStateSucceeded", types);
        Assert.Equal("ParallelStateExited", types[^2]);
    }

    [Fact]
    public async Task Parallel_BranchFails_StateFailsWithBranchErrorAndCanBeCaught()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""
            {"StartAt":"P","States":{
              "P":{"Type":"Parallel","Next":"Done","Catch":[{"ErrorEquals":["BranchBroke"],"Next":"Caught"}],"Branches":[
                {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
                {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"BranchBroke","Cause":"no"}}}]},
              "Done":{"Type":"Succeed"},
              "Caught":{"Type":"Pass","Result":"caught","End":true}}}
            """);

        Assert.Equal("\"caught\"", result.Output);
        Assert.Contains(await h.HistoryAsync(result.ExecutionArn), e => e.Type == "ParallelStateFailed");
    }

    [Fact]
    public async Task Map_ItemsPathItemSelectorAndContext_BuildsEachIterationInput()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
              "ItemSelector":{"index.$":"$$.Map.Item.Index","value.$":"$$.Map.Item.Value","shared.$":"$.shared"},
              "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"C","States":{
                "C":{"Type":"Choice","Choices":[{"Variable":"$.value","StringEquals":"b","Next":"IsB"}],"Default":"NotB"},
                "IsB":{"Type":"Pass","Result":"B!","End":true},
                "NotB":{"Type":"Pass","Parameters":{"v.$":"$.value","i.$":"$.index","s.$":"$.shared"},"End":true}}},
              "ResultPath":"$.results","End":true}}}
            """, """{"items":["a","b","c"],"shared":"s"}""");

        Json.Equal("""{"items":["a","b","c"],"shared":"s","results":[{"v":"a","i":0,"s":"s"},"B!",{"v":"c","i":2,"s":"s"}]}""", result.Output);
        var history = await h.HistoryAsync(result.ExecutionArn);
        Assert.Equal(3, history.Count(e => e.Type == "MapIterationStarted"));
        Assert.Equal(3, history.Count(e => e.Type == "MapIterationSucceeded"));
        Assert.Equal("3", Json.Details(history.Single(e => e.Type == "MapStateStarted"), "length"));
    }

    [Fact]
    public async Task Map_LegacyIteratorAndParameters_StillWork()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""
            {"StartAt":"M","States":{"M":{"Type":"Map","Parameters":{"n.$":"$$.Map.Item.Value"},
              "Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}
            """, "[1,2]");

        Json.Equal("""[{"n":1},{"n":2}]""", result.Output);
    }

    [Fact]
    public async Task Map_IterationFails_MapFailsWithItsError()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""
            {"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"C","States":{
              "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"Bad"}],"Default":"Ok"},
              "Bad":{"Type":"Fail","Error":"ItemBad","Cause":"two"},
              "Ok":{"Type":"Pass","End":true}}}}}}
            """, "[1,2,3]");

        Assert.Equal(("FAILED", "ItemBad"), (result.Status, result.Error));
        var history = await h.HistoryAsync(result.ExecutionArn);
        Assert.Contains(history, e => e.Type == "MapIterationFailed");
        Assert.Contains(history, e => e.Type == "MapStateFailed");
    }

    [Fact]
    public async Task Map_ToleratedFailureCount_SucceedsUnderAndFailsOverThreshold()
    {
        const string definition = """
            {"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,"End":true,"ItemProcessor":{"StartAt":"C","States":{
              "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericGreaterThan":1,"Next":"Bad"}],"Default":"Ok"},
              "Bad":{"Type":"Fail","Error":"ItemBad","Cause":"big"},
              "Ok":{"Type":"Pass","End":true}}}}}}
            """;
        await using var h = new EngineHarness();
        var arn = await h.CreateAsync(definition);

        var oneFailure = await h.Engine.StartSyncExecutionAsync(new(arn, "one", "[1,2]"), EngineHarness.Timeout);
        var twoFailures = await h.Engine.StartSyncExecutionAsync(new(arn, "two", "[1,2,3]"), EngineHarness.Timeout);

        Assert.Equal("SUCCEEDED", oneFailure.Status);
        Json.Equal("""[1,{"Error":"ItemBad","Cause":"big"}]""", oneFailure.Output);
        Assert.Equal(("FAILED", StatesErrors.ExceedToleratedFailureThreshold), (twoFailures.Status, twoFailures.Error));
    }

    [Fact]
    public async Task Map_MaxConcurrencyOne_RunsTasksOneAtATime()
    {
        var running = 0;
        var maxSeen = 0;
        var functions = new FunctionTable().Add("work", async (invocation, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxSeen, now);
            await Task.Yield();
            Interlocked.Decrement(ref running);
            return invocation.Input!.DeepClone();
        });
        await using var h = new EngineHarness(functions: functions);
        var result = await h.RunAsync("""
            {"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"End":true,"ItemProcessor":{"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"@LAMBDA@work","End":true}}}}}}
            """, "[1,2,3,4,5]");

        Json.Equal("[1,2,3,4,5]", result.Output);
        Assert.Equal(1, maxSeen);
    }

    [Fact]
    public async Task Assign_VariablesVisibleLaterAndInnerScopesReadOuter()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""
            {"StartAt":"Set","States":{
              "Set":{"Type":"Pass","Assign":{"greeting":"hello","fromInput.$":"$.name"},"Next":"M"},
              "M":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"item.$":"$$.Map.Item.Value","g.$":"$greeting"},"Next":"Read",
                "ItemProcessor":{"StartAt":"Inner","States":{
                  "Inner":{"Type":"Pass","Assign":{"greeting":"inner-only"},"Next":"Use"},
                  "Use":{"Type":"Pass","Parameters":{"item.$":"$.item","g.$":"$greeting","n.$":"$fromInput"},"End":true}}}},
              "Read":{"Type":"Pass","Parameters":{"results.$":"$","g.$":"$greeting"},"End":true}}}
            """, """{"name":"ann","items":[1]}""");

        Json.Equal("""{"results":[{"item":1,"g":"inner-only","n":"ann"}],"g":"hello"}""", result.Output);
    }

    [Fact]
    public async Task Assign_ValuesReadAtStateEntry_NotTheOnesBeingAssigned()
    {
        await using var h = new EngineHarness();
        var result = await h.RunAsync("""
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
              "B":{"Type":"Pass","Assign":{"x":2,"old.$":"$x"},"Next":"C"},
              "C":{"Type":"Pass","Parameters":{"x.$":"$x","old.$":"$old"},"End":true}}}
            """);

        Json.Equal("""{"x":2,"old":1}""", result.Output);
    }

    [Fact]
    public async Task Assign_InCatch_SeesErrorOutput()
    {
        var functions = new FunctionTable().Add("bad", (JsonNode? _) => throw new TaskFailedException("Oops", "details"));
        await using var h = new EngineHarness(functions: functions);
        var result = await h.RunAsync("""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"@LAMBDA@bad","Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err.$":"$.Error"},"Next":"H"}],"End":true},
              "H":{"Type":"Pass","Parameters":{"e.$":"$err"},"End":true}}}
            """);

        Json.Equal("""{"e":"Oops"}""", result.Output);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
