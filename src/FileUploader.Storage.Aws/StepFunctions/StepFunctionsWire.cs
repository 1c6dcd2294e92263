using System.Text.Json;
using System.Text.Json.Serialization;

namespace FileUploader.Storage.Aws.StepFunctions;

/// <summary>A started execution.</summary>
public sealed record StartExecutionResult(string ExecutionArn, DateTimeOffset StartDate);

/// <summary>DescribeExecution's answer.</summary>
/// <param name="Status">RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE.</param>
public sealed record ExecutionDetails(
    string ExecutionArn,
    string StateMachineArn,
    string? Name,
    string Status,
    DateTimeOffset StartDate,
    DateTimeOffset? StopDate,
    string? Input,
    string? Output,
    string? Error,
    string? Cause);

internal sealed record StartExecutionWireRequest(string StateMachineArn, string? Name, string? Input, string? TraceHeader);

internal sealed record ExecutionArnWireRequest(string ExecutionArn);

internal sealed record StopExecutionWireRequest(string ExecutionArn, string? Error, string? Cause);

internal sealed record StopExecutionWireResponse(DateTimeOffset StopDate);

internal sealed record AwsErrorWireResponse(
    [property: JsonPropertyName("__type")] string? Type,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("Message")] string? UpperMessage);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(EpochSecondsConverter)])]
[JsonSerializable(typeof(StartExecutionWireRequest))]
[JsonSerializable(typeof(StartExecutionResult))]
[JsonSerializable(typeof(ExecutionArnWireRequest))]
[JsonSerializable(typeof(ExecutionDetails))]
[JsonSerializable(typeof(StopExecutionWireRequest))]
[JsonSerializable(typeof(StopExecutionWireResponse))]
[JsonSerializable(typeof(AwsErrorWireResponse))]
internal sealed partial class StepFunctionsWireContext : JsonSerializerContext;

/// <summary>AWS JSON 1.0 timestamps: epoch seconds, possibly fractional.</summary>
internal sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(reader.GetDecimal() * 1000m));

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.ToUnixTimeMilliseconds() / 1000m);
}
