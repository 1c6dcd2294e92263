using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace FileUploader.Generators;

/// <summary>
/// Turns every <c>[Step("Name")]</c> class into an entry of a generated <c>StepRegistry</c>: the step names, a DI
/// registration and a switch that deserialises the input, calls <c>HandleAsync</c> directly and serialises the
/// output through the source-generated <c>StepJsonContext</c>. No reflection, so hosts stay AOT and trim safe.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class StepRegistryGenerator : IIncrementalGenerator
{
    internal const string StepAttributeName = "FileUploader.Core.Steps.StepAttribute";
    internal const string StepInterfaceName = "FileUploader.Core.Steps.IStep`2";
    internal const string JsonContextName = "FileUploader.Core.Steps.StepJsonContext";
    internal const string JsonSerializableAttributeName = "System.Text.Json.Serialization.JsonSerializableAttribute";
    private const string ServiceCollectionName = "Microsoft.Extensions.DependencyInjection.IServiceCollection";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var steps = context.SyntaxProvider.ForAttributeWithMetadataName(
                StepAttributeName,
                predicate: static (node, _) => Parser.IsCandidate(node),
                transform: static (ctx, ct) => Parser.ParseStep(ctx, ct))
            .WithTrackingName(TrackingNames.Steps)
            .Collect();

        var jsonContexts = context.SyntaxProvider.ForAttributeWithMetadataName(
                JsonSerializableAttributeName,
                predicate: static (node, _) => Parser.IsCandidate(node),
                transform: static (ctx, ct) => Parser.ParseJsonContext(ctx, ct))
            .Where(static model => model is not null)
            .WithTrackingName(TrackingNames.JsonContext)
            .Collect();

        // Only an assembly that can see the step attribute and DI gets a registry (Core, or a test compilation).
        var canEmit = context.CompilationProvider.Select(static (compilation, _) =>
            compilation.GetTypeByMetadataName(StepAttributeName) is not null
            && compilation.GetTypeByMetadataName(ServiceCollectionName) is not null);

        var all = steps.Combine(jsonContexts).Combine(canEmit);
        context.RegisterSourceOutput(all, static (spc, input) =>
        {
            var ((parsed, contexts), emit) = input;
            Execute(spc, parsed, contexts.FirstOrDefault(), emit);
        });
    }

    private static void Execute(
        SourceProductionContext context,
        ImmutableArray<StepParseResult> parsed,
        JsonContextModel? jsonContext,
        bool emit)
    {
        foreach (var diagnostic in parsed.SelectMany(static p => p.Diagnostics))
        {
            Report(context, diagnostic);
        }

        // Duplicates: the first declaration (in a stable order) wins, every other one is reported against it.
        var unique = new List<StepModel>();
        var byName = new Dictionary<string, StepParseResult>(StringComparer.Ordinal);
        foreach (var result in parsed
                     .Where(static p => p.Step is not null)
                     .OrderBy(static p => p.Location?.FilePath, StringComparer.Ordinal)
                     .ThenBy(static p => p.Location?.Span.Start ?? 0))
        {
            var step = result.Step!;
            if (byName.TryGetValue(step.StepName, out var first))
            {
                Report(context, DiagnosticInfo.Create(
                    DiagnosticDescriptors.DuplicateStepName,
                    result.Location,
                    step.StepName,
                    first.Step!.ClassName,
                    step.ClassName));
                continue;
            }

            byName.Add(step.StepName, result);
            unique.Add(step);
        }

        var propertyNames = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var type in jsonContext?.Types ?? EquatableArray<JsonContextType>.Empty)
        {
            propertyNames[type.TypeName] = type.PropertyName;
        }

        foreach (var step in unique)
        {
            foreach (var typeName in new[] { step.InputType, step.OutputType }.Distinct(StringComparer.Ordinal))
            {
                if (!propertyNames.ContainsKey(typeName))
                {
                    Report(context, DiagnosticInfo.Create(
                        DiagnosticDescriptors.TypeNotInJsonContext,
                        byName[step.StepName].Location,
                        step.StepName,
                        typeName));
                }
            }
        }

        if (!emit)
        {
            return;
        }

        var ordered = unique.OrderBy(static s => s.StepName, StringComparer.Ordinal).ToList();
        context.AddSource("StepRegistry.g.cs", Emitter.Emit(ordered, propertyNames));
    }

    /// <summary>Names of pipeline steps, so tests can check that unrelated edits hit the cache.</summary>
    internal static class TrackingNames
    {
        public const string Steps = "Steps";
        public const string JsonContext = "JsonContext";
    }

    private static void Report(SourceProductionContext context, DiagnosticInfo info)
    {
        var descriptor = info.DescriptorId switch
        {
            "FU0001" => DiagnosticDescriptors.StepNotSealed,
            "FU0002" => DiagnosticDescriptors.StepMissingInterface,
            "FU0003" => DiagnosticDescriptors.DuplicateStepName,
            "FU0004" => DiagnosticDescriptors.InvalidStepName,
            "FU0005" => DiagnosticDescriptors.StepAbstractOrGeneric,
            "FU0006" => DiagnosticDescriptors.StepMultipleInterfaces,
            "FU0007" => DiagnosticDescriptors.TypeNotInJsonContext,
            _ => throw new InvalidOperationException($"Unknown diagnostic id {info.DescriptorId}."),
        };
        context.ReportDiagnostic(Diagnostic.Create(
            descriptor,
            info.Location?.ToLocation(),
            info.MessageArgs.Cast<object>().ToArray()));
    }
}
