using System.Text.Json.Serialization;

namespace FileUploader.Storage.Local;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ObjectMetadata))]
internal sealed partial class LocalStorageJsonContext : JsonSerializerContext;
