namespace FileUploader.StateMachine.Service;

/// <summary>
/// The Step Functions API over the local engine, shaped like AWS's (same operations, fields and error names), so
/// the HTTP endpoint (AWS JSON 1.0) is a thin translation and in-process callers see the same behaviour.
/// Failures throw <see cref="StepFunctionsException"/> with AWS's error type.
/// </summary>
public interface IStepFunctions
{
    Task<CreateStateMachineResponse> CreateStateMachineAsync(CreateStateMachineRequest request, CancellationToken cancellationToken);

    Task<StateMachineDescription> DescribeStateMachineAsync(string stateMachineArn, CancellationToken cancellationToken);

    Task<UpdateStateMachineResponse> UpdateStateMachineAsync(UpdateStateMachineRequest request, CancellationToken cancellationToken);

    Task DeleteStateMachineAsync(string stateMachineArn, CancellationToken cancellationToken);

    Task<Page<StateMachineListItem>> ListStateMachinesAsync(int? maxResults, string? nextToken, CancellationToken cancellationToken);

    /// <summary>Never throws for a bad definition: the diagnostics say what is wrong and where.</summary>
    ValidationResult ValidateStateMachineDefinition(string definition);

    /// <summary>Idempotent by name: same name and input returns the running/finished execution; other input throws ExecutionAlreadyExists.</summary>
    Task<StartExecutionResponse> StartExecutionAsync(StartExecutionRequest request, CancellationToken cancellationToken);

    /// <summary>Runs to the end and returns the outcome (AWS allows this for EXPRESS machines; we allow it for any).</summary>
    Task<ExecutionDescription> StartSyncExecutionAsync(StartExecutionRequest request, CancellationToken cancellationToken);

    Task<ExecutionDescription> DescribeExecutionAsync(string executionArn, CancellationToken cancellationToken);

    Task<Page<ExecutionListItem>> ListExecutionsAsync(ListExecutionsRequest request, CancellationToken cancellationToken);

    Task<DateTimeOffset> StopExecutionAsync(string executionArn, string? error, string? cause, CancellationToken cancellationToken);

    Task<Page<HistoryEventView>> GetExecutionHistoryAsync(GetExecutionHistoryRequest request, CancellationToken cancellationToken);

    /// <summary>Waits until the execution leaves RUNNING (or the token fires). For hosts and tests; not an AWS operation.</summary>
    Task<ExecutionDescription> WaitForCompletionAsync(string executionArn, CancellationToken cancellationToken);
}

/// <summary>AWS error types, used as <see cref="StepFunctionsException.ErrorType"/> and the endpoint's <c>__type</c>.</summary>
public static class StepFunctionsErrorTypes
{
    public const string StateMachineDoesNotExist = "StateMachineDoesNotExist";
    public const string StateMachineAlreadyExists = "StateMachineAlreadyExists";
    public const string ExecutionDoesNotExist = "ExecutionDoesNotExist";
    public const string ExecutionAlreadyExists = "ExecutionAlreadyExists";
    public const string InvalidDefinition = "InvalidDefinition";
    public const string InvalidArn = "InvalidArn";
    public const string InvalidName = "InvalidName";
    public const string InvalidExecutionInput = "InvalidExecutionInput";
    public const string InvalidToken = "InvalidToken";
    public const string ValidationException = "ValidationException";
}

public sealed class StepFunctionsException(string errorType, string message) : Exception(message)
{
    public string ErrorType { get; } = errorType;
}

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextToken);

public sealed record CreateStateMachineRequest(string Name, string Definition, string? RoleArn, string? Type);

public sealed record CreateStateMachineResponse(string StateMachineArn, DateTimeOffset CreationDate);

public sealed record UpdateStateMachineRequest(string StateMachineArn, string? Definition, string? RoleArn);

public sealed record UpdateStateMachineResponse(DateTimeOffset UpdateDate);

/// <param name="Status">ACTIVE or DELETING.</param>
/// <param name="Type">STANDARD or EXPRESS.</param>
public sealed record StateMachineDescription(
    string StateMachineArn,
    string Name,
    string Status,
    string Definition,
    string RoleArn,
    string Type,
    DateTimeOffset CreationDate);

public sealed record StateMachineListItem(string StateMachineArn, string Name, string Type, DateTimeOffset CreationDate);

/// <param name="Result">OK or FAIL.</param>
public sealed record ValidationResult(string Result, IReadOnlyList<ValidationDiagnostic> Diagnostics);

/// <param name="Severity">ERROR or WARNING.</param>
/// <param name="Code">AWS-like code, e.g. SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, INVALID_JSON_DESCRIPTION.</param>
/// <param name="Location">A JSON pointer-like path to the problem, e.g. /States/Validate/Next.</param>
public sealed record ValidationDiagnostic(string Severity, string Code, string Message, string? Location);

public sealed record StartExecutionRequest(string StateMachineArn, string? Name, string? Input, string? TraceHeader = null);

public sealed record StartExecutionResponse(string ExecutionArn, DateTimeOffset StartDate);

/// <param name="Status">RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED.</param>
public sealed record ExecutionDescription(
    string ExecutionArn,
    string StateMachineArn,
    string Name,
    string Status,
    DateTimeOffset StartDate,
    DateTimeOffset? StopDate,
    string Input,
    string? Output,
    string? Error,
    string? Cause);

public sealed record ListExecutionsRequest(string StateMachineArn, string? StatusFilter, int? MaxResults, string? NextToken);

public sealed record ExecutionListItem(
    string ExecutionArn,
    string StateMachineArn,
    string Name,
    string Status,
    DateTimeOffset StartDate,
    DateTimeOffset? StopDate);

public sealed record GetExecutionHistoryRequest(string ExecutionArn, int? MaxResults, string? NextToken, bool ReverseOrder, bool IncludeExecutionData = true);

/// <summary>
/// One history event as AWS shows it: <paramref name="Type"/> (e.g. TaskStateEntered), ids, and the
/// type-specific details object (e.g. <c>stateEnteredEventDetails</c>) as raw JSON under its AWS field name.
/// </summary>
public sealed record HistoryEventView(
    long Id,
    long PreviousEventId,
    DateTimeOffset Timestamp,
    string Type,
    string? DetailsFieldName,
    string? DetailsJson);
