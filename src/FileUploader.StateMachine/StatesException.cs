namespace FileUploader.StateMachine;

/// <summary>
/// A runtime failure inside the interpreter with an ASL error name (<see cref="StatesErrors"/>) and a cause.
/// Retry and Catch match on <see cref="Error"/> exactly as they do for task errors.
/// </summary>
public sealed class StatesException(string error, string cause) : Exception(cause)
{
    public string Error { get; } = error;

    public string Cause { get; } = cause;
}

/// <summary>The predefined error names of the Amazon States Language (spec: "Errors").</summary>
public static class StatesErrors
{
    public const string All = "States.ALL";
    public const string HeartbeatTimeout = "States.HeartbeatTimeout";
    public const string Timeout = "States.Timeout";
    public const string TaskFailed = "States.TaskFailed";
    public const string Permissions = "States.Permissions";
    public const string ResultPathMatchFailure = "States.ResultPathMatchFailure";
    public const string ParameterPathFailure = "States.ParameterPathFailure";
    public const string QueryEvaluationError = "States.QueryEvaluationError";
    public const string BranchFailed = "States.BranchFailed";
    public const string NoChoiceMatched = "States.NoChoiceMatched";
    public const string IntrinsicFailure = "States.IntrinsicFailure";
    public const string ExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold";
    public const string ItemReaderFailed = "States.ItemReaderFailed";
    public const string ResultWriterFailed = "States.ResultWriterFailed";
    public const string Runtime = "States.Runtime";
}
