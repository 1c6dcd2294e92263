using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// JSON text whose object repeats a member name. RFC 8259 leaves its meaning open; AWS runs on a parser that keeps the
/// last value (as JavaScript's JSON.parse does), and validation reports a repeated state name.
/// </summary>
public sealed class RepeatedMemberNamesTests
{
    [Fact]
    public async Task Validate_StatesRepeatingAName_FailsWithDuplicateStateName()
    {
        await using var h = new EngineHarness();

        var result = h.Engine.ValidateStateMachineDefinition(
            """{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"A":{"Type":"Succeed"}}}""");

        Assert.Equal("FAIL", result.Result);
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Code == "DUPLICATE_STATE_NAME");
        Assert.Equal("/States/A", diagnostic.Location);
    }

    [Fact]
    public async Task Execution_InputRepeatingAName_PathsSeeTheLastValue_UntouchedOutputKeepsTheText()
    {
        await using var h = new EngineHarness();

        var picked = await h.RunAsync(
            """{"StartAt":"Pick","States":{"Pick":{"Type":"Pass","Parameters":{"seen.$":"$.dup"},"End":true}}}""",
            """{"dup":1,"dup":2}""");
        var passed = await h.RunAsync("""{"StartAt":"Same","States":{"Same":{"Type":"Pass","End":true}}}""", """{"dup":1,"dup":2}""", name: "untouched");

        Assert.Equal("SUCCEEDED", picked.Status);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"seen":2}"""), JsonNode.Parse(picked.Output!)));
        Assert.Equal("""{"dup":1,"dup":2}""", passed.Output);
    }
}
