using System.Text.Json;
using System.Text.Json.Serialization;

namespace FileUploader.Server.StepFunctionsApi;

/// <summary>
/// Source-generated (AOT-safe) JSON for the Step Functions wire shapes: camelCase members as in AWS's API
/// reference, absent optional members left out, timestamps as epoch seconds.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(EpochSecondsConverter)])]
[JsonSerializable(typeof(CreateStateMachineInput))]
[JsonSerializable(typeof(CreateStateMachineOutput))]
[JsonSerializable(typeof(StateMachineArnInput))]
[JsonSerializable(typeof(DescribeStateMachineOutput))]
[JsonSerializable(typeof(UpdateStateMachineInput))]
[JsonSerializable(typeof(UpdateStateMachineOutput))]
[JsonSerializable(typeof(EmptyOutput))]
[JsonSerializable(typeof(ListStateMachinesInput))]
[JsonSerializable(typeof(ListStateMachinesOutput))]
[JsonSerializable(typeof(ValidateStateMachineDefinitionInput))]
[JsonSerializable(typeof(ValidateStateMachineDefinitionOutput))]
[JsonSerializable(typeof(StartExecutionInput))]
[JsonSerializable(typeof(StartExecutionOutput))]
[JsonSerializable(typeof(DescribeExecutionOutput))]
[JsonSerializable(typeof(ExecutionArnInput))]
[JsonSerializable(typeof(ListExecutionsInput))]
[JsonSerializable(typeof(ListExecutionsOutput))]
[JsonSerializable(typeof(StopExecutionInput))]
[JsonSerializable(typeof(StopExecutionOutput))]
[JsonSerializable(typeof(GetExecutionHistoryInput))]
[JsonSerializable(typeof(AwsErrorOutput))]
internal sealed partial class StepFunctionsJsonContext : JsonSerializerContext;

/// <summary>
/// AWS JSON 1.0 sends timestamps as epoch seconds with a fractional part (botocore and the AWS SDKs parse both
/// forms); we write milliseconds precision, exactly, as a decimal.
/// </summary>
internal sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(reader.GetDecimal() * 1000m));

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(ToEpochSeconds(value));

    public static decimal ToEpochSeconds(DateTimeOffset value) => value.ToUnixTimeMilliseconds() / 1000m;
}
