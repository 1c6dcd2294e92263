using System.Collections.Immutable;
using System.Reflection;
using FileUploader.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Generators.Tests;

/// <summary>Compiles source strings with the real Core step contracts and runs the step generator over them.</summary>
internal static class GeneratorHarness
{
    // The generated code relies on implicit usings in Core; a test compilation spells them out.
    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    // What the SDK's implicit usings give Core.
    private const string CoreImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    public static GeneratorOutcome Run(params string[] sources) => Run(sources, withJsonGenerator: false);

    /// <summary>Also runs System.Text.Json's generator, so the final compilation holds a real StepJsonContext.</summary>
    public static GeneratorOutcome RunWithJsonGenerator(params string[] sources) => Run(sources, withJsonGenerator: true);

    public static CSharpCompilation CreateCompilation(IEnumerable<string> sources)
    {
        var trees = new[] { GlobalUsings, CoreSource("StepAttribute.cs"), CoreSource("UnknownStepException.cs") }
            .Concat(sources)
            .Select((text, i) => CSharpSyntaxTree.ParseText(text, ParseOptions, path: $"Source{i}.cs"));
        return CSharpCompilation.Create(
            "FileUploader.Core.Steps.Sample",
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    /// <summary>Runs the generator over every source file of src/FileUploader.Core, as Core's build does.</summary>
    public static GeneratorOutcome RunOverCoreSources()
    {
        var coreDirectory = Path.Combine(RepositoryPaths.Root, "src", "FileUploader.Core");
        var sources = Directory
            .EnumerateFiles(coreDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                           && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .Prepend(CoreImplicitUsings);
        var trees = sources.Select((text, i) => CSharpSyntaxTree.ParseText(text, ParseOptions, path: $"Core{i}.cs"));
        var compilation = CSharpCompilation.Create(
            "FileUploader.Core",
            trees,
            References.Value.Add(MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        return Drive(compilation, [new StepRegistryGenerator().AsSourceGenerator()]);
    }

    private static GeneratorOutcome Run(string[] sources, bool withJsonGenerator)
    {
        var compilation = CreateCompilation(sources);
        var generators = new List<ISourceGenerator> { new StepRegistryGenerator().AsSourceGenerator() };
        if (withJsonGenerator)
        {
            generators.Add(JsonSourceGenerator());
        }

        return Drive(compilation, generators);
    }

    private static GeneratorOutcome Drive(CSharpCompilation compilation, IEnumerable<ISourceGenerator> generators)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            generators,
            parseOptions: (CSharpParseOptions)compilation.SyntaxTrees.First().Options,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var stepResult = driver.GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(StepRegistryGenerator));
        return new GeneratorOutcome(driver, compilation, output, stepResult);
    }

    /// <summary>The copy of Core's contract files the tests compile against, read from the repository.</summary>
    private static string CoreSource(string fileName) =>
        File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src", "FileUploader.Core", "Steps", fileName));

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The framework the tests run on, plus DI abstractions (what Core references for AddSteps).
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                        || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(IServiceCollection).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }

    private static ISourceGenerator JsonSourceGenerator()
    {
        // The SDK's own System.Text.Json generator, from the reference pack next to the running runtime.
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        var version = Path.GetFileName(runtimeDir);
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var dir = Directory.Exists(Path.Combine(packs, version))
            ? Path.Combine(packs, version)
            : Directory.GetDirectories(packs).OrderBy(d => d, StringComparer.Ordinal).Last();
        var assembly = Assembly.LoadFrom(Path.Combine(dir, "analyzers", "dotnet", "cs", "System.Text.Json.SourceGeneration.dll"));
        var type = assembly.GetTypes().Single(t => typeof(IIncrementalGenerator).IsAssignableFrom(t) && !t.IsAbstract);
        return ((IIncrementalGenerator)Activator.CreateInstance(type)!).AsSourceGenerator();
    }
}

internal sealed record GeneratorOutcome(GeneratorDriver Driver, Compilation Input, Compilation Output, GeneratorRunResult Result)
{
    public ImmutableArray<Diagnostic> Diagnostics => Result.Diagnostics;

    public string RegistrySource => Result.GeneratedSources.Single(s => s.HintName == "StepRegistry.g.cs").SourceText.ToString();
}

internal static class RepositoryPaths
{
    /// <summary>The repository root: the nearest directory above the test binaries that holds FileUploader.sln.</summary>
    public static string Root { get; } = FindUp("FileUploader.sln");

    /// <summary>This test project's source directory (snapshots live there, not in bin/).</summary>
    public static string ProjectDirectory { get; } = Path.Combine(Root, "tests", "FileUploader.Generators.Tests");

    private static string FindUp(string fileName)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, fileName)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No {fileName} above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// Exact comparison with a stored .g.cs under Snapshots/. Run with UPDATE_SNAPSHOTS=1 to rewrite the files after
/// an intended change, then review the diff.
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string name)
    {
        var path = Path.Combine(RepositoryPaths.ProjectDirectory, "Snapshots", name);
        actual = actual.ReplaceLineEndings("\n");
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"Snapshot {path} is missing; run the tests once with UPDATE_SNAPSHOTS=1.");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }
}
