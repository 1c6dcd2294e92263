using System.Text.Json.Serialization;

namespace FileUploader.Server.StepFunctionsApi;

// The wire shapes of AWS Step Functions' JSON 1.0 API, field for field as in AWS's API reference (camelCase,
// timestamps as epoch seconds). Requests are classes with nullable members so that a missing required member is
// reported as AWS does (ValidationException naming the member) instead of failing deserialization. Members a
// real client may send but the local engine has no use for (tags, loggingConfiguration, tracingConfiguration,
// publish, versionDescription, encryptionConfiguration, includedData, mapRunArn, redriveFilter) are ignored.

internal sealed class CreateStateMachineInput
{
    public string? Name { get; set; }

    public string? Definition { get; set; }

    public string? RoleArn { get; set; }

    public string? Type { get; set; }
}

internal sealed record CreateStateMachineOutput(string StateMachineArn, DateTimeOffset CreationDate);

internal sealed class StateMachineArnInput
{
    public string? StateMachineArn { get; set; }
}

internal sealed record LoggingConfigurationOutput(string Level, bool IncludeExecutionData);

internal sealed record DescribeStateMachineOutput(
    string StateMachineArn,
    string Name,
    string Status,
    string Definition,
    string RoleArn,
    string Type,
    DateTimeOffset CreationDate,
    LoggingConfigurationOutput LoggingConfiguration);

internal sealed class UpdateStateMachineInput
{
    public string? StateMachineArn { get; set; }

    public string? Definition { get; set; }

    public string? RoleArn { get; set; }
}

internal sealed record UpdateStateMachineOutput(DateTimeOffset UpdateDate);

internal sealed record EmptyOutput;

internal sealed class ListStateMachinesInput
{
    public int? MaxResults { get; set; }

    public string? NextToken { get; set; }
}

internal sealed record StateMachineListItemOutput(string StateMachineArn, string Name, string Type, DateTimeOffset CreationDate);

internal sealed record ListStateMachinesOutput(IReadOnlyList<StateMachineListItemOutput> StateMachines, string? NextToken);

internal sealed class ValidateStateMachineDefinitionInput
{
    public string? Definition { get; set; }

    public string? Type { get; set; }

    public string? Severity { get; set; }

    public int? MaxResults { get; set; }
}

internal sealed record ValidationDiagnosticOutput(string Severity, string Code, string Message, string? Location);

internal sealed record ValidateStateMachineDefinitionOutput(string Result, IReadOnlyList<ValidationDiagnosticOutput> Diagnostics, bool Truncated);

internal sealed class StartExecutionInput
{
    public string? StateMachineArn { get; set; }

    public string? Name { get; set; }

    public string? Input { get; set; }

    public string? TraceHeader { get; set; }
}

internal sealed record StartExecutionOutput(string ExecutionArn, DateTimeOffset StartDate);

internal sealed record CloudWatchEventsExecutionDataDetails(bool Included);

/// <summary>DescribeExecution's and StartSyncExecution's answer (StartSyncExecution has no RUNNING status).</summary>
internal sealed record DescribeExecutionOutput(
    string ExecutionArn,
    string StateMachineArn,
    string Name,
    string Status,
    DateTimeOffset StartDate,
    DateTimeOffset? StopDate,
    string Input,
    CloudWatchEventsExecutionDataDetails InputDetails,
    string? Output,
    CloudWatchEventsExecutionDataDetails? OutputDetails,
    string? Error,
    string? Cause,
    string? TraceHeader);

internal sealed class ExecutionArnInput
{
    public string? ExecutionArn { get; set; }
}

internal sealed class ListExecutionsInput
{
    public string? StateMachineArn { get; set; }

    public string? StatusFilter { get; set; }

    public int? MaxResults { get; set; }

    public string? NextToken { get; set; }
}

internal sealed record ExecutionListItemOutput(
    string ExecutionArn,
    string StateMachineArn,
    string Name,
    string Status,
    DateTimeOffset StartDate,
    DateTimeOffset? StopDate);

internal sealed record ListExecutionsOutput(IReadOnlyList<ExecutionListItemOutput> Executions, string? NextToken);

internal sealed class StopExecutionInput
{
    public string? ExecutionArn { get; set; }

    public string? Error { get; set; }

    public string? Cause { get; set; }
}

internal sealed record StopExecutionOutput(DateTimeOffset StopDate);

internal sealed class GetExecutionHistoryInput
{
    public string? ExecutionArn { get; set; }

    public int? MaxResults { get; set; }

    public bool? ReverseOrder { get; set; }

    public string? NextToken { get; set; }

    public bool? IncludeExecutionData { get; set; }
}

/// <summary>AWS's error body: botocore reads <c>__type</c> (the part after a '#') and <c>message</c>.</summary>
internal sealed record AwsErrorOutput(
    [property: JsonPropertyName("__type")] string Type,
    [property: JsonPropertyName("message")] string Message);
