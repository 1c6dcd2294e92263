using System.Text.RegularExpressions;
using FileUploader.Core.Steps;

namespace FileUploader.Generators.Tests;

/// <summary>
/// The generator over Core's real sources (not a snapshot: Core's steps change with the product). Guards what the
/// build alone would not show: every step resolves its JSON through a named StepJsonContext property (the fast
/// path), and the registry compiled into Core lists exactly the declared steps.
/// </summary>
public sealed partial class CoreStepsTests
{
    [Fact]
    public void Generate_CoreSources_UsesDirectJsonContextPropertiesOnly()
    {
        var outcome = GeneratorHarness.RunOverCoreSources();

        Assert.Empty(outcome.Diagnostics);
        Assert.DoesNotContain("GetTypeInfo(", outcome.RegistrySource, StringComparison.Ordinal);
        Assert.Contains("StepJsonContext.Default.UploadRef", outcome.RegistrySource, StringComparison.Ordinal);
    }

    [Fact]
    public void StepNames_CompiledCoreRegistry_MatchesTheDeclaredStepAttributes()
    {
        var declared = Directory
            .EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src", "FileUploader.Core"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => StepAttributeUse().Matches(File.ReadAllText(path)).Select(m => m.Groups[1].Value))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(declared);
        Assert.Equal(declared, StepRegistry.StepNames);
    }

    [GeneratedRegex("""^\[Step\("([^"]*)"\)\]""", RegexOptions.Multiline)]
    private static partial Regex StepAttributeUse();
}
