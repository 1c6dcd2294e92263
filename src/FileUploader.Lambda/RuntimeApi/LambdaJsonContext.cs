using System.Text.Json.Serialization;

namespace FileUploader.Lambda.RuntimeApi;

/// <summary>Source-generated JSON for what the host itself writes to the Runtime API (camelCase, as Lambda expects).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LambdaError))]
internal sealed partial class LambdaJsonContext : JsonSerializerContext;
