using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Generators.Tests;

public sealed class StepRegistryGeneratorTests
{
    [Fact]
    public void Generate_ValidSteps_MatchesSnapshot()
    {
        var outcome = GeneratorHarness.Run(Sources.Models, Sources.ValidSteps, Sources.JsonContext);

        Assert.Empty(outcome.Diagnostics);
        Snapshot.Match(outcome.RegistrySource, "ValidSteps.g.cs");
    }

    [Fact]
    public void Generate_NoSteps_MatchesSnapshot()
    {
        var outcome = GeneratorHarness.Run("namespace Sample; public sealed class NotAStep;");

        Assert.Empty(outcome.Diagnostics);
        Snapshot.Match(outcome.RegistrySource, "NoSteps.g.cs");
    }

    [Fact]
    public void Generate_WithoutStepAttributeInCompilation_EmitsNothing()
    {
        var compilation = CSharpCompilation.Create(
            "Unrelated",
            [CSharpSyntaxTree.ParseText("namespace Other; public sealed class Thing;")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var driver = CSharpGeneratorDriver.Create(new StepRegistryGenerator()).RunGenerators(compilation);

        Assert.Empty(driver.GetRunResult().GeneratedTrees);
    }

    [Fact]
    public void Generate_ValidStepsWithJsonGenerator_CompilesWithoutDiagnostics()
    {
        var outcome = GeneratorHarness.RunWithJsonGenerator(Sources.Models, Sources.ValidSteps, Sources.JsonContext);

        var problems = outcome.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task InvokeAsync_GeneratedRegistry_DispatchesByNameThroughJsonContext()
    {
        var registry = LoadRegistry();
        var services = new ServiceCollection();
        services.AddSingleton(registry.Assembly.GetType("Sample.Clock")!);
        registry.GetMethod("AddSteps")!.Invoke(null, [services]);
        using var provider = services.BuildServiceProvider();

        var validated = await InvokeAsync(registry, "Validate", provider, JsonNode.Parse("""{"fileName":"  a.txt ","size":3}"""));
        var stored = await InvokeAsync(registry, "Store", provider, JsonNode.Parse("""{"uploadId":"u1"}"""));
        var counted = await InvokeAsync(registry, "CountTags", provider, JsonNode.Parse("""["a","b"]"""));

        // camelCase from the context's options proves the generated context, not a default serializer, was used.
        Assert.Equal("""{"fileName":"a.txt","accepted":true}""", validated!.ToJsonString());
        Assert.Equal("""{"fileId":"f-u1"}""", stored!.ToJsonString());
        Assert.Equal(2, counted!.GetValue<int>());
        Assert.Equal(["CountTags", "Store", "Validate"], (IReadOnlyList<string>)registry.GetProperty("StepNames")!.GetValue(null)!);
    }

    [Fact]
    public async Task InvokeAsync_UnknownStepName_ThrowsUnknownStepException()
    {
        var registry = LoadRegistry();
        using var provider = new ServiceCollection().BuildServiceProvider();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => InvokeAsync(registry, "Nope", provider, null));

        Assert.Equal("FileUploader.Core.Steps.UnknownStepException", error.GetType().FullName);
        Assert.Contains("'Nope'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_NullInput_ThrowsJsonException()
    {
        var registry = LoadRegistry();
        var services = new ServiceCollection();
        registry.GetMethod("AddSteps")!.Invoke(null, [services]);
        using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<System.Text.Json.JsonException>(() => InvokeAsync(registry, "Validate", provider, null));

        Assert.Contains("Validate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_UnrelatedEdit_ReusesCachedStepModels()
    {
        var first = GeneratorHarness.Run(Sources.Models, Sources.ValidSteps, Sources.JsonContext);
        var edited = first.Input.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Sample; public sealed class Unrelated;",
            (CSharpParseOptions)first.Input.SyntaxTrees.First().Options));

        var second = first.Driver.RunGenerators(edited).GetRunResult().Results.Single();

        var reasons = second.TrackedSteps["Steps"].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.NotEmpty(reasons);
        // Cached (input untouched) or Unchanged (re-run, equal model): either way nothing downstream re-runs.
        Assert.All(reasons, r => Assert.Contains(r, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
    }

    private static Type LoadRegistry()
    {
        var outcome = GeneratorHarness.RunWithJsonGenerator(Sources.Models, Sources.ValidSteps, Sources.JsonContext);
        using var image = new MemoryStream();
        var emitted = outcome.Output.Emit(image);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        var assembly = Assembly.Load(image.ToArray());
        return assembly.GetType("FileUploader.Core.Steps.StepRegistry")!;
    }

    private static async Task<JsonNode?> InvokeAsync(Type registry, string name, IServiceProvider services, JsonNode? input)
    {
        var task = (Task<JsonNode?>)registry.GetMethod("InvokeAsync")!.Invoke(
            null, BindingFlags.DoNotWrapExceptions, binder: null, [name, services, input, CancellationToken.None], culture: null)!;
        return await task;
    }
}
