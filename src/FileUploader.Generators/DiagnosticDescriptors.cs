using Microsoft.CodeAnalysis;

namespace FileUploader.Generators;

/// <summary>
/// Every diagnostic the step generator reports. Ids are stable: never reuse or renumber one (they are listed in
/// AnalyzerReleases.Shipped.md / Unshipped.md). Next free id: FU0008.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "FileUploader.Steps";

    public static readonly DiagnosticDescriptor StepNotSealed = new(
        id: "FU0001",
        title: "Step class must be sealed",
        messageFormat: "Step class '{0}' must be sealed",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A [Step] class is resolved from DI and called directly by the generated registry; sealing it keeps dispatch exact and lets the compiler devirtualise.");

    public static readonly DiagnosticDescriptor StepMissingInterface = new(
        id: "FU0002",
        title: "Step class must implement IStep<TInput, TOutput>",
        messageFormat: "Step class '{0}' must implement FileUploader.Core.Steps.IStep<TInput, TOutput>",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateStepName = new(
        id: "FU0003",
        title: "Duplicate step name",
        messageFormat: "Step name '{0}' is declared by both '{1}' and '{2}'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "template.yaml and the ASL pick a step by its name, so every name must be unique.");

    public static readonly DiagnosticDescriptor InvalidStepName = new(
        id: "FU0004",
        title: "Step name is empty or invalid",
        messageFormat: "Step name '{0}' on '{1}' is invalid: use a letter followed by letters, digits or '_'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The name becomes a Lambda _HANDLER value, an ASL resource and part of a generated method name.");

    public static readonly DiagnosticDescriptor StepAbstractOrGeneric = new(
        id: "FU0005",
        title: "Step class must not be abstract, static or generic",
        messageFormat: "Step class '{0}' must be a concrete, non-generic class",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor StepMultipleInterfaces = new(
        id: "FU0006",
        title: "Step class implements more than one IStep<TInput, TOutput>",
        messageFormat: "Step class '{0}' implements IStep<,> more than once ({1}); a step has exactly one input and one output type",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor TypeNotInJsonContext = new(
        id: "FU0007",
        title: "Step type is not declared on StepJsonContext",
        messageFormat: "Step '{0}' uses '{1}', which has no [JsonSerializable] on FileUploader.Core.Steps.StepJsonContext",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "The registry (de)serialises through the source-generated StepJsonContext; a type missing from it fails at run time.");
}
