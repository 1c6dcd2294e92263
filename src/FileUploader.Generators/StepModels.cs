using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace FileUploader.Generators;

/// <summary>One valid [Step] class, as the emitter needs it. Type names are fully qualified (global::…).</summary>
internal sealed record StepModel(string StepName, string ClassName, string InputType, string OutputType);

/// <summary>What the parser found on one [Step] class: the step (null when invalid) and its diagnostics.</summary>
internal sealed record StepParseResult(StepModel? Step, LocationInfo? Location, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// The types StepJsonContext declares with [JsonSerializable], each with the name of the JsonTypeInfo property
/// the System.Text.Json generator gives it (null when that name cannot be predicted reliably).
/// </summary>
internal sealed record JsonContextModel(EquatableArray<JsonContextType> Types);

internal sealed record JsonContextType(string TypeName, string? PropertyName);

/// <summary>A diagnostic kept as plain data, so the pipeline stays cacheable (Diagnostic and Location are not).</summary>
internal sealed record DiagnosticInfo(string DescriptorId, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] messageArgs) =>
        new(descriptor.Id, LocationInfo.From(location), messageArgs.ToEquatableArray());

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs) =>
        new(descriptor.Id, location, messageArgs.ToEquatableArray());
}

internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location) =>
        location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}
