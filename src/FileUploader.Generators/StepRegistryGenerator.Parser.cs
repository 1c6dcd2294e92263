using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FileUploader.Generators;

public sealed partial class StepRegistryGenerator
{
    /// <summary>Reads symbols into equatable models; everything the emitter needs, nothing Roslyn-owned.</summary>
    internal static class Parser
    {
        private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat;

        public static bool IsCandidate(SyntaxNode node) => node is ClassDeclarationSyntax;

        public static StepParseResult ParseStep(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var className = symbol.ToDisplayString(TypeFormat);
            var classLocation = symbol.Locations.FirstOrDefault();
            var attribute = context.Attributes[0];
            var attributeLocation = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? classLocation;
            var diagnostics = new List<DiagnosticInfo>();

            var stepName = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
            if (!IsValidStepName(stepName))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidStepName, attributeLocation, stepName ?? string.Empty, className));
            }

            // A static class is abstract and sealed at once: report it as not concrete rather than as unsealed.
            if (symbol.IsAbstract || symbol.IsStatic || symbol.IsGenericType)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StepAbstractOrGeneric, classLocation, className));
            }
            else if (!symbol.IsSealed)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StepNotSealed, classLocation, className));
            }

            var stepInterface = context.SemanticModel.Compilation.GetTypeByMetadataName(StepInterfaceName);
            var implemented = symbol.AllInterfaces
                .Where(i => stepInterface is not null && SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, stepInterface))
                .ToList();
            if (implemented.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StepMissingInterface, classLocation, className));
            }
            else if (implemented.Count > 1)
            {
                var list = string.Join(", ", implemented.Select(i => i.ToDisplayString()));
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StepMultipleInterfaces, classLocation, className, list));
            }

            var location = LocationInfo.From(attributeLocation);
            if (diagnostics.Count > 0)
            {
                return new StepParseResult(null, location, diagnostics.ToEquatableArray());
            }

            var step = new StepModel(
                stepName!,
                className,
                implemented[0].TypeArguments[0].ToDisplayString(TypeFormat),
                implemented[0].TypeArguments[1].ToDisplayString(TypeFormat));
            return new StepParseResult(step, location, EquatableArray<DiagnosticInfo>.Empty);
        }

        public static JsonContextModel? ParseJsonContext(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            if (symbol.ToDisplayString() != JsonContextName)
            {
                return null;
            }

            // All [JsonSerializable] of the class, whichever partial declaration carries them.
            var declared = new List<(ITypeSymbol Type, string? ExplicitName)>();
            foreach (var attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != JsonSerializableAttributeName
                    || attribute.ConstructorArguments.Length != 1
                    || attribute.ConstructorArguments[0].Value is not ITypeSymbol type)
                {
                    continue;
                }

                var explicitName = attribute.NamedArguments
                    .Where(static a => a.Key == "TypeInfoPropertyName")
                    .Select(static a => a.Value.Value as string)
                    .FirstOrDefault();
                declared.Add((type, explicitName));
            }

            // System.Text.Json names a plain type's property after the type's simple name; for generics, arrays
            // and nullables it builds a composite name we do not reproduce, so those go through GetTypeInfo.
            // Two types with the same simple name collide in the JSON generator, so neither is named directly.
            var simpleNameCounts = declared
                .GroupBy(static d => d.Type.Name)
                .ToDictionary(static g => g.Key, static g => g.Count());
            var types = declared
                .Select(d => new JsonContextType(
                    d.Type.ToDisplayString(TypeFormat),
                    d.ExplicitName ?? (IsPlainNamedType(d.Type) && simpleNameCounts[d.Type.Name] == 1 ? d.Type.Name : null)))
                .ToEquatableArray();
            return new JsonContextModel(types);
        }

        internal static bool IsValidStepName(string? name)
        {
            if (string.IsNullOrEmpty(name) || !IsAsciiLetter(name![0]))
            {
                return false;
            }

            return name.All(static c => IsAsciiLetter(c) || (c >= '0' && c <= '9') || c == '_');
        }

        private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        private static bool IsPlainNamedType(ITypeSymbol type) =>
            type is INamedTypeSymbol { IsGenericType: false, TypeKind: TypeKind.Class or TypeKind.Struct or TypeKind.Enum }
            && type.SpecialType == SpecialType.None;
    }
}
