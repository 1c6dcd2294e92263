using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// When a state's OutputPath is the very path its ResultPath names, the interpreter hands the result on as the output
/// instead of placing it in the input (a copy, when the result came from the input) and selecting it again. These run
/// each definition twice, once with the two paths written alike (the shortcut) and once with the OutputPath in bracket
/// notation (the same path, so the general ResultPath-then-OutputPath code runs), and pin that status, output, error
/// and every history event are the same, byte for byte.
/// </summary>
public sealed class ResultAndOutputPathTests
{
    private const string Input = """{"x":1.50,"s":"q\"uote","o":{"p":{"q":true}},"n":5,"final":{"order":"o-1","units":3}}""";

    // {RP} is the ResultPath; {OP} the OutputPath, the same path written alike or in bracket notation.
    public static TheoryData<string, string, string, string> Cases() => new()
    {
        { "ResultFromTheInput", """{"StartAt":"S","States":{"S":{"Type":"Pass","InputPath":"$.final","ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.emitted", "$['emitted']" },
        { "FreshParameters", """{"StartAt":"S","States":{"S":{"Type":"Pass","Parameters":{"v.$":"$.x","c":"k"},"ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.r", "$['r']" },
        { "ConstantResult", """{"StartAt":"S","States":{"S":{"Type":"Pass","Result":{"k":[1,2]},"ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.r", "$['r']" },
        { "NullResult", """{"StartAt":"S","States":{"S":{"Type":"Pass","Result":null,"ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.r", "$['r']" },
        { "NestedPathCreated", """{"StartAt":"S","States":{"S":{"Type":"Pass","Result":1,"ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.a.b", "$['a']['b']" },
        { "NestedPathExisting", """{"StartAt":"S","States":{"S":{"Type":"Pass","InputPath":"$.x","ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.o.p", "$['o']['p']" },
        { "ReplacesItsOwnSource", """{"StartAt":"S","States":{"S":{"Type":"Pass","InputPath":"$.o","ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.o", "$['o']" },
        { "WholeInputAsResult", """{"StartAt":"S","States":{"S":{"Type":"Pass","ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.self", "$['self']" },
        { "ResultBelowItsTarget", """{"StartAt":"S","States":{"S":{"Type":"Pass","InputPath":"$.o.p","ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.o", "$['o']" },
        { "PathThroughANumberFails", """{"StartAt":"S","States":{"S":{"Type":"Pass","Result":1,"ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.n.m", "$['n']['m']" },
        {
            "LaterStatesChangeTheOutput",
            """
            {"StartAt":"S","States":{
              "S":{"Type":"Pass","InputPath":"$.o","ResultPath":{RP},"OutputPath":{OP},"Next":"T"},
              "T":{"Type":"Pass","Result":7,"ResultPath":"$.q","Next":"U"},
              "U":{"Type":"Pass","InputPath":"$","ResultPath":"$.again","End":true}}}
            """,
            "$.x", "$['x']"
        },
        {
            "InMapIterations",
            """
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.o.p.list","ItemSelector":{"item.$":"$$.Map.Item.Value","n.$":"$.n"},
              "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"S","States":{
                "S":{"Type":"Pass","InputPath":"$.item","ResultPath":{RP},"OutputPath":{OP},"End":true}}},
              "End":true}}}
            """,
            "$.out", "$['out']"
        },
        {
            "InParallelBranches",
            """
            {"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
              {"StartAt":"S","States":{"S":{"Type":"Pass","InputPath":"$.final","ResultPath":{RP},"OutputPath":{OP},"End":true}}},
              {"StartAt":"S2","States":{"S2":{"Type":"Pass","Result":"b","ResultPath":{RP},"OutputPath":{OP},"End":true}}}],
              "End":true}}}
            """,
            "$.out", "$['out']"
        },
        { "ParallelResult", """{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"S","States":{"S":{"Type":"Pass","End":true}}}],"ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.branches", "$['branches']" },
        { "TaskResult", """{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"@LAMBDA@echo","InputPath":"$.final","ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.r", "$['r']" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ResultPathEqualToOutputPath_AnyResult_SameExecutionAsTheGeneralPath(string name, string definition, string resultPath, string bracketed)
    {
        Assert.NotEmpty(name);
        var input = name == "InMapIterations" ? """{"o":{"p":{"list":[{"a":1},"two",3,null,[4]]}},"n":5}""" : Input;
        var shortcut = await RunAsync(definition, resultPath, resultPath, input);
        var general = await RunAsync(definition, resultPath, bracketed, input);

        Assert.Equal(general.Status, shortcut.Status);
        Assert.Equal(general.Output, shortcut.Output);
        Assert.Equal(general.Error, shortcut.Error);
        Assert.Equal(general.Cause, shortcut.Cause);
        Assert.Equal(general.History.Count, shortcut.History.Count);
        for (var i = 0; i < general.History.Count; i++)
        {
            Assert.Equal(general.History[i], shortcut.History[i]);
        }
    }

    [Fact]
    public async Task ResultPathEqualToOutputPath_ResultFromTheInput_OutputIsTheResultAlone()
    {
        var run = await RunAsync(
            """{"StartAt":"S","States":{"S":{"Type":"Pass","InputPath":"$.final","ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.emitted", "$.emitted", Input);

        Assert.Equal("SUCCEEDED", run.Status);
        Assert.Equal("""{"order":"o-1","units":3}""", run.Output);
    }

    [Fact]
    public async Task ResultPathEqualToOutputPath_PathThroughANumber_FailsAsTheGeneralPathDoes()
    {
        var run = await RunAsync(
            """{"StartAt":"S","States":{"S":{"Type":"Pass","Result":1,"ResultPath":{RP},"OutputPath":{OP},"End":true}}}""", "$.n.m", "$.n.m", Input);

        Assert.Equal("FAILED", run.Status);
        Assert.Equal("States.ResultPathMatchFailure", run.Error);
    }

    private static async Task<Run> RunAsync(string definition, string resultPath, string outputPath, string input)
    {
        await using var h = new EngineHarness();
        h.Functions.Add("echo", node => node?.DeepClone());
        var text = definition
            .Replace("{RP}", JsonValue.Create(resultPath).ToJsonString(), StringComparison.Ordinal)
            .Replace("{OP}", JsonValue.Create(outputPath).ToJsonString(), StringComparison.Ordinal);
        var done = await h.RunAsync(text, input);
        var history = await h.HistoryAsync(done.ExecutionArn);

        // The state machine ARN and its definition differ by the OutputPath text only in ExecutionStarted, which names
        // the machine, not the definition: every event is compared whole.
        return new Run(done.Status, done.Output, done.Error, done.Cause, [.. history.Select(e => $"{e.Id} {e.PreviousEventId} {e.Timestamp:O} {e.Type} {e.DetailsJson}")]);
    }

    private sealed record Run(string Status, string? Output, string? Error, string? Cause, IReadOnlyList<string> History);
}
