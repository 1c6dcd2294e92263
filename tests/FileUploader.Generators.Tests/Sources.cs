namespace FileUploader.Generators.Tests;

/// <summary>Step declarations the tests compile. Kept as constants so snapshots stay readable.</summary>
internal static class Sources
{
    public const string Models = """
        namespace Sample;

        public sealed record ValidateInput(string FileName, long Size);
        public sealed record ValidateOutput(string FileName, bool Accepted);
        public sealed record StoreInput(string UploadId);
        public sealed record StoreOutput(string FileId);
        public sealed class Clock
        {
            public string Prefix => "f-";
        }
        """;

    public const string ValidSteps = """
        using FileUploader.Core.Steps;

        namespace Sample;

        [Step("Validate")]
        public sealed class ValidateStep : IStep<ValidateInput, ValidateOutput>
        {
            public Task<ValidateOutput> HandleAsync(ValidateInput input, CancellationToken cancellationToken) =>
                Task.FromResult(new ValidateOutput(input.FileName.Trim(), input.Size > 0));
        }

        // A dependency from DI and an explicit interface implementation.
        [Step("Store")]
        internal sealed class StoreStep(Clock clock) : IStep<StoreInput, StoreOutput>
        {
            Task<StoreOutput> IStep<StoreInput, StoreOutput>.HandleAsync(StoreInput input, CancellationToken cancellationToken) =>
                Task.FromResult(new StoreOutput(clock.Prefix + input.UploadId));
        }

        // Generic and framework types: System.Text.Json's property names are not predicted, GetTypeInfo is used.
        [Step("CountTags")]
        public sealed class CountTagsStep : IStep<List<string>, int>
        {
            public Task<int> HandleAsync(List<string> input, CancellationToken cancellationToken) => Task.FromResult(input.Count);
        }
        """;

    public const string JsonContext = """
        using System.Text.Json.Serialization;

        namespace FileUploader.Core.Steps;

        [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
        [JsonSerializable(typeof(Sample.ValidateInput))]
        [JsonSerializable(typeof(Sample.ValidateOutput))]
        [JsonSerializable(typeof(Sample.StoreInput))]
        [JsonSerializable(typeof(Sample.StoreOutput))]
        [JsonSerializable(typeof(List<string>))]
        [JsonSerializable(typeof(int))]
        internal sealed partial class StepJsonContext : JsonSerializerContext;
        """;

    public const string JsonContextWithoutStoreOutput = """
        using System.Text.Json.Serialization;

        namespace FileUploader.Core.Steps;

        [JsonSerializable(typeof(Sample.StoreInput))]
        internal sealed partial class StepJsonContext : JsonSerializerContext;
        """;

    /// <summary>A valid Store step alone (no generics), for diagnostics that need one good neighbour.</summary>
    public const string StoreStep = """
        using FileUploader.Core.Steps;

        namespace Sample;

        [Step("Store")]
        public sealed class StoreStep : IStep<StoreInput, StoreOutput>
        {
            public Task<StoreOutput> HandleAsync(StoreInput input, CancellationToken cancellationToken) =>
                Task.FromResult(new StoreOutput(input.UploadId));
        }
        """;
}
