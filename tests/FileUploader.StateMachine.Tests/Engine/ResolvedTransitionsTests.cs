using System.Text.Json.Nodes;
using FileUploader.StateMachine.Definition;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// Transitions are resolved to state objects once, when the definition is parsed, so a run does not look its next
/// state up by name. The tests pin that every Next, Choice target and Default points at the state it names, and that
/// runs still visit exactly the named states (including a Catch's Next, which the runner still looks up by name).
/// </summary>
public sealed class ResolvedTransitionsTests
{
    [Fact]
    public void Parse_NextChoiceTargetsAndDefault_PointAtTheStatesTheyName()
    {
        var definition = DefinitionParser.Parse("""
            {"StartAt":"First","States":{
              "First":{"Type":"Pass","Next":"Pick"},
              "Pick":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"One"}],"Default":"Other"},
              "One":{"Type":"Pass","End":true},
              "Other":{"Type":"Succeed"}}}
            """, out var diagnostics)!;

        Assert.Empty(diagnostics);
        var states = definition.States;
        Assert.Same(states["First"], definition.StartState);
        Assert.Same(states["Pick"], states["First"].NextState);
        var pick = Assert.IsType<ChoiceState>(states["Pick"]);
        Assert.Same(states["One"], Assert.Single(pick.Choices).NextState);
        Assert.Same(states["Other"], pick.DefaultState);
        Assert.Null(states["One"].NextState);
        Assert.Null(states["Other"].NextState);
    }

    [Fact]
    public void Parse_NestedMachines_ResolveWithinTheirOwnStates()
    {
        var definition = DefinitionParser.Parse("""
            {"StartAt":"Fan","States":{
              "Fan":{"Type":"Parallel","Branches":[{"StartAt":"Step","States":{"Step":{"Type":"Pass","Next":"Last"},"Last":{"Type":"Pass","End":true}}}],"Next":"Done"},
              "Done":{"Type":"Succeed"}}}
            """, out var diagnostics)!;

        Assert.Empty(diagnostics);
        var fan = Assert.IsType<ParallelState>(definition.States["Fan"]);
        var branch = Assert.Single(fan.Branches);
        Assert.Same(branch.States["Step"], branch.StartState);
        Assert.Same(branch.States["Last"], branch.States["Step"].NextState);
        Assert.Same(definition.States["Done"], fan.NextState);
    }

    [Fact]
    public void Parse_PathsAndTemplates_AreCompiledOnceAndAbsentForTheIdentityPath()
    {
        var definition = DefinitionParser.Parse("""
            {"StartAt":"Shape","States":{
              "Shape":{"Type":"Pass","InputPath":"$.order","Parameters":{"id.$":"$.id"},"ResultPath":"$.shaped","OutputPath":"$.shaped","Next":"Keep"},
              "Keep":{"Type":"Pass","End":true}}}
            """, out _)!;

        var shape = Assert.IsType<PassState>(definition.States["Shape"]);
        // The same compiled object on every visit: nothing is looked up by text or rebuilt per transition.
        Assert.NotNull(shape.InputPathQuery);
        Assert.Same(shape.InputPathQuery, shape.InputPathQuery);
        Assert.Same(shape.OutputPathQuery, shape.OutputPathQuery);
        Assert.NotNull(shape.ResultPathReference);
        Assert.Same(shape.ResultPathReference, shape.ResultPathReference);
        Assert.NotNull(shape.ParametersTemplate);
        Assert.Same(shape.ParametersTemplate, shape.ParametersTemplate);

        // "$" (the default) selects the document itself, so there is nothing to compile.
        var keep = Assert.IsType<PassState>(definition.States["Keep"]);
        Assert.Null(keep.InputPathQuery);
        Assert.Null(keep.OutputPathQuery);
        Assert.Null(keep.ResultPathReference);
        Assert.Null(keep.ParametersTemplate);
    }

    [Fact]
    public async Task Run_CompiledPathsAndTemplate_GiveTheSameOutputOnEveryExecution()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Shape","States":{
              "Shape":{"Type":"Pass","InputPath":"$.order","Parameters":{"id.$":"$.id","n.$":"$.qty"},"ResultPath":"$.shaped","OutputPath":"$.shaped","End":true}}}
            """;

        for (var i = 0; i < 3; i++)
        {
            var done = await h.RunAsync(definition, $$$"""{"order":{"id":"o-{{{i}}}","qty":{{{i}}}}}""");
            Assert.Equal("SUCCEEDED", done.Status);
            Json.Equal($$$"""{"id":"o-{{{i}}}","n":{{{i}}}}""", done.Output);
        }
    }

    [Theory]
    [InlineData(1, "Start,Pick,One,Fan,Recovered")]
    [InlineData(2, "Start,Pick,Other,Fan,Recovered")]
    public async Task Run_ChoiceDefaultAndCatch_EnterExactlyTheNamedStatesInOrder(int n, string expected)
    {
        await using var h = new EngineHarness();
        var done = await h.RunAsync("""
            {"StartAt":"Start","States":{
              "Start":{"Type":"Pass","Next":"Pick"},
              "Pick":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"One"}],"Default":"Other"},
              "One":{"Type":"Pass","Result":"one","ResultPath":"$.went","Next":"Fan"},
              "Other":{"Type":"Pass","Result":"other","ResultPath":"$.went","Next":"Fan"},
              "Fan":{"Type":"Parallel","Branches":[{"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"Oops","Cause":"c"}}}],
                     "Catch":[{"ErrorEquals":["Oops"],"ResultPath":"$.caught","Next":"Recovered"}],"Next":"Unreached"},
              "Unreached":{"Type":"Fail","Error":"Wrong"},
              "Recovered":{"Type":"Pass","End":true}}}
            """, $$"""{"n":{{n}}}""");

        Assert.Equal("SUCCEEDED", done.Status);
        var output = JsonNode.Parse(done.Output!)!;
        Assert.Equal(n == 1 ? "one" : "other", output["went"]!.GetValue<string>());
        Assert.Equal("Oops", output["caught"]!["Error"]!.GetValue<string>());

        var history = await h.HistoryAsync(done.ExecutionArn);
        // Entered events of the top level only (the branch's FailState has no Entered event at this level's ids).
        var entered = history
            .Where(e => e.Type.EndsWith("StateEntered", StringComparison.Ordinal) && e.Type != "FailStateEntered")
            .Select(e => JsonNode.Parse(e.DetailsJson!)!["name"]!.GetValue<string>());
        Assert.Equal(expected.Split(','), entered);
    }
}
