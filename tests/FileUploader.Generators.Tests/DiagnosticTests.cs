using Microsoft.CodeAnalysis;

namespace FileUploader.Generators.Tests;

/// <summary>One test per diagnostic id: the id, its severity and the line it points at.</summary>
public sealed class DiagnosticTests
{
    [Fact]
    public void Generate_UnsealedStep_ReportsFU0001()
    {
        var diagnostic = SingleDiagnostic("""
            [Step("Store")]
            public class StoreStep : IStep<StoreInput, StoreOutput>
            {
                public Task<StoreOutput> HandleAsync(StoreInput input, CancellationToken cancellationToken) => throw new InvalidOperationException();
            }
            """);

        AssertDiagnostic(diagnostic, "FU0001", DiagnosticSeverity.Error, line: 5);
        Assert.Contains("Sample.StoreStep", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_StepWithoutIStep_ReportsFU0002()
    {
        var diagnostic = SingleDiagnostic("""
            [Step("Store")]
            public sealed class StoreStep
            {
                public Task<StoreOutput> HandleAsync(StoreInput input, CancellationToken cancellationToken) => throw new InvalidOperationException();
            }
            """);

        AssertDiagnostic(diagnostic, "FU0002", DiagnosticSeverity.Error, line: 5);
    }

    [Fact]
    public void Generate_DuplicateStepName_ReportsFU0003OnTheSecondDeclaration()
    {
        var diagnostic = SingleDiagnostic("""
            [Step("Store")]
            public sealed class OtherStoreStep : IStep<StoreInput, StoreOutput>
            {
                public Task<StoreOutput> HandleAsync(StoreInput input, CancellationToken cancellationToken) => throw new InvalidOperationException();
            }
            """, Sources.StoreStep);

        // Source order decides which one is "first": the snippet (Source5) is compiled before StoreStep (Source6).
        AssertDiagnostic(diagnostic, "FU0003", DiagnosticSeverity.Error, line: 4, path: "Source6.cs");
        Assert.Contains("'Store'", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("OtherStoreStep", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1Store")]
    [InlineData("Store-It")]
    [InlineData("Store It")]
    public void Generate_InvalidStepName_ReportsFU0004(string name)
    {
        var diagnostic = SingleDiagnostic($$"""
            [Step("{{name}}")]
            public sealed class StoreStep : IStep<StoreInput, StoreOutput>
            {
                public Task<StoreOutput> HandleAsync(StoreInput input, CancellationToken cancellationToken) => throw new InvalidOperationException();
            }
            """);

        AssertDiagnostic(diagnostic, "FU0004", DiagnosticSeverity.Error, line: 4);
    }

    [Theory]
    [InlineData("public abstract class StoreStep : IStep<StoreInput, StoreOutput>")]
    [InlineData("public sealed class StoreStep<T> : IStep<StoreInput, StoreOutput>")]
    public void Generate_AbstractOrGenericStep_ReportsFU0005(string declaration)
    {
        var diagnostic = SingleDiagnostic($$"""
            [Step("Store")]
            {{declaration}}
            {
                public Task<StoreOutput> HandleAsync(StoreInput input, CancellationToken cancellationToken) => throw new InvalidOperationException();
            }
            """);

        AssertDiagnostic(diagnostic, "FU0005", DiagnosticSeverity.Error, line: 5);
    }

    [Fact]
    public void Generate_StepWithTwoIStepInterfaces_ReportsFU0006()
    {
        var diagnostic = SingleDiagnostic("""
            [Step("Store")]
            public sealed class StoreStep : IStep<StoreInput, StoreOutput>, IStep<ValidateInput, ValidateOutput>
            {
                public Task<StoreOutput> HandleAsync(StoreInput input, CancellationToken cancellationToken) => throw new InvalidOperationException();
                public Task<ValidateOutput> HandleAsync(ValidateInput input, CancellationToken cancellationToken) => throw new InvalidOperationException();
            }
            """);

        AssertDiagnostic(diagnostic, "FU0006", DiagnosticSeverity.Error, line: 5);
    }

    [Fact]
    public void Generate_TypeMissingFromJsonContext_ReportsFU0007()
    {
        var outcome = GeneratorHarness.Run(Sources.Models, Sources.StoreStep, Sources.JsonContextWithoutStoreOutput);

        var diagnostic = Assert.Single(outcome.Diagnostics);
        AssertDiagnostic(diagnostic, "FU0007", DiagnosticSeverity.Warning, line: 4, path: "Source4.cs");
        Assert.Contains("global::Sample.StoreOutput", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_InvalidStep_IsLeftOutOfTheRegistry()
    {
        var outcome = GeneratorHarness.Run(Sources.Models, Sources.JsonContext, """
            using FileUploader.Core.Steps;
            namespace Sample;
            [Step("Store")]
            public class StoreStep : IStep<StoreInput, StoreOutput>
            {
                public Task<StoreOutput> HandleAsync(StoreInput input, CancellationToken cancellationToken) => throw new InvalidOperationException();
            }
            """);

        Assert.Equal("FU0001", Assert.Single(outcome.Diagnostics).Id);
        Assert.DoesNotContain("StoreStep", outcome.RegistrySource, StringComparison.Ordinal);
    }

    /// <summary>
    /// Compiles the snippet as Source5.cs (after 4 lines of usings and namespace, so its first line is line 4,
    /// zero-based) with the models and a full StepJsonContext.
    /// </summary>
    private static Diagnostic SingleDiagnostic(string snippet, params string[] more)
    {
        var source = "using FileUploader.Core.Steps;\n\nnamespace Sample;\n\n" + snippet;
        var outcome = GeneratorHarness.Run([Sources.Models, Sources.JsonContext, source, .. more]);
        return Assert.Single(outcome.Diagnostics);
    }

    private static void AssertDiagnostic(Diagnostic diagnostic, string id, DiagnosticSeverity severity, int line, string path = "Source5.cs")
    {
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal(path, span.Path);
        Assert.Equal(line, span.StartLinePosition.Line);
    }
}
