using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FileUploader.Core.Steps;
using static FileUploader.Storage.Aws.Tests.Template.CloudFormationTemplate;

namespace FileUploader.Storage.Aws.Tests.Template;

/// <summary>
/// Keeps template.yaml, statemachine/*.asl.json and the generated step registry in step: every <c>${…}</c> of a
/// definition is substituted (and nothing else is), every Task resolves to a function of the template whose
/// Handler is a step of <see cref="StepRegistry"/>, and no step function exists that no workflow runs.
/// </summary>
public sealed partial class WorkflowWiringTests
{
    private const string StartExecution = "arn:aws:states:::states:startExecution";

    private static readonly CloudFormationTemplate Template = CloudFormationTemplate.Load();

    private static readonly string[] DefinitionFiles =
        [.. Directory.GetFiles(Path.Combine(RepositoryRoot, "statemachine"), "*.asl.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    public static TheoryData<string> Definitions => [.. DefinitionFiles];

    [Theory]
    [MemberData(nameof(Definitions))]
    public void DefinitionSubstitutions_EveryPlaceholderOfTheDefinition_IsSubstitutedAndNothingElse(string file)
    {
        var machine = StateMachineFor(file);
        var placeholders = Placeholder().Matches(File.ReadAllText(DefinitionPath(file))).Select(m => m.Groups[1].Value).ToHashSet();

        var substitutions = Map(machine.Properties["DefinitionSubstitutions"]).Keys.ToHashSet();

        Assert.NotEmpty(placeholders);
        Assert.Equal(placeholders.Order(StringComparer.Ordinal), substitutions.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Definitions_EveryStateMachineOfTheTemplate_HasItsFile()
    {
        var files = Template.ResourcesOfType("AWS::Serverless::StateMachine").Select(m => Path.GetFileName(Str(m.Properties["DefinitionUri"])));

        Assert.Equal(DefinitionFiles, files.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TaskResources_EveryOne_ResolvesToAFunctionRunningARegisteredStep()
    {
        var stepsRun = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in DefinitionFiles)
        {
            var substitutions = Map(StateMachineFor(file).Properties["DefinitionSubstitutions"]);
            foreach (var (state, task) in TaskStates(file))
            {
                var resource = (string)task["Resource"]!;
                if (resource == StartExecution)
                {
                    // The expiry start: its target must be the expiry state machine of this template.
                    var machine = Placeholder().Match((string)task["Parameters"]!["StateMachineArn"]!).Groups[1].Value;
                    Assert.Equal("ExpiryStateMachine", RefTarget(substitutions[machine]));
                    continue;
                }

                var placeholder = Placeholder().Match(resource);
                Assert.True(placeholder.Success && placeholder.Value == resource, $"{file} {state}: Resource {resource} is not a single ${{…}}");
                var function = GetAttTarget(substitutions[placeholder.Groups[1].Value]);
                Assert.NotNull(function);
                Assert.EndsWith(".Arn", function, StringComparison.Ordinal);
                var handler = Str(Template.Properties(function[..^4])["Handler"]);
                Assert.Contains(handler, StepRegistry.StepNames);
                Assert.Equal(handler + "FunctionArn", placeholder.Groups[1].Value);
                stepsRun.Add(handler);
            }
        }

        // Every registered step is run by some workflow.
        Assert.Equal(StepRegistry.StepNames.Order(StringComparer.Ordinal), stepsRun.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Functions_EveryOneButTheHttpApi_RunsAStepThatAWorkflowInvokes()
    {
        var invoked = Template.ResourcesOfType("AWS::Serverless::StateMachine")
            .SelectMany(m => Map(m.Properties["DefinitionSubstitutions"]).Values)
            .Select(GetAttTarget)
            .OfType<string>()
            .Select(t => t[..^4])
            .ToHashSet();

        var functions = Template.ResourcesOfType("AWS::Serverless::Function").ToList();
        var api = functions.Where(f => f.Properties.TryGetValue("Events", out var events) && Map(events).Values.Any(e => Str(Map(e)["Type"]) == "HttpApi")).ToList();

        Assert.Equal("ApiFunction", Assert.Single(api).Name);
        foreach (var (name, properties) in functions.Except(api))
        {
            Assert.Contains(Str(properties["Handler"]), StepRegistry.StepNames);
            Assert.Contains(name, invoked);
        }

        Assert.Equal(StepRegistry.StepNames.Count, functions.Count - api.Count);
    }

    [Theory]
    [MemberData(nameof(Definitions))]
    public async Task AslValidator_Definition_Passes(string file)
    {
        // The pinned npm tool that test.sh installs (npm ci in tools/).
        var validator = Path.Combine(RepositoryRoot, "tools", "node_modules", ".bin", "asl-validator");
        Assert.True(File.Exists(validator), $"{validator} is missing: run `npm ci` in tools/.");
        var start = new ProcessStartInfo(validator) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--json-path");
        start.ArgumentList.Add(DefinitionPath(file));

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("is valid", output, StringComparison.Ordinal);
    }

    private static string DefinitionPath(string file) => Path.Combine(RepositoryRoot, "statemachine", file);

    private static (string Name, Dictionary<string, object?> Properties) StateMachineFor(string file) =>
        Template.ResourcesOfType("AWS::Serverless::StateMachine").Single(m => Path.GetFileName(Str(m.Properties["DefinitionUri"])) == file);

    /// <summary>Every Task state, including those inside Parallel branches and Map iterators.</summary>
    private static IEnumerable<(string Name, JsonObject Task)> TaskStates(string file)
    {
        var pending = new Stack<JsonObject>([JsonNode.Parse(File.ReadAllText(DefinitionPath(file)))!.AsObject()]);
        while (pending.TryPop(out var machine))
        {
            foreach (var (name, node) in machine["States"]!.AsObject())
            {
                var state = node!.AsObject();
                if ((string?)state["Type"] == "Task")
                {
                    yield return (name, state);
                }

                foreach (var branch in state["Branches"]?.AsArray() ?? [])
                {
                    pending.Push(branch!.AsObject());
                }

                if ((state["ItemProcessor"] ?? state["Iterator"]) is JsonObject inner)
                {
                    pending.Push(inner);
                }
            }
        }
    }

    [GeneratedRegex(@"\$\{([A-Za-z0-9_]+)\}")]
    private static partial Regex Placeholder();
}
