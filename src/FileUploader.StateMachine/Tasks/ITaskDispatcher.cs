using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Tasks;

/// <summary>
/// The port through which the engine runs Task states. The host maps a resource (a Lambda function ARN, or the
/// function named in <c>arn:aws:states:::lambda:invoke</c>'s <c>FunctionName</c>) to code. The engine itself
/// handles <c>arn:aws:states:::lambda:invoke</c>'s Payload wrapping and <c>arn:aws:states:::states:startExecution</c>.
/// </summary>
public interface ITaskDispatcher
{
    /// <summary>
    /// Runs the task and returns its result. To fail with a name that Retry/Catch match, throw
    /// <see cref="TaskFailedException"/>; any other exception fails the task with its short type name as the error.
    /// </summary>
    ValueTask<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken);
}

/// <param name="FunctionArn">The Lambda function ARN or name to run (for lambda:invoke, its FunctionName).</param>
/// <param name="Input">The effective input after InputPath/Parameters (for lambda:invoke, the Payload).</param>
/// <param name="Attempt">1 for the first try, 2 for the first retry, …</param>
public sealed record TaskInvocation(
    string FunctionArn,
    JsonNode? Input,
    string ExecutionArn,
    string StateName,
    int Attempt);

/// <summary>A task failure with the error name and cause that Retry and Catch match on.</summary>
public sealed class TaskFailedException(string error, string cause, Exception? inner = null)
    : Exception(cause, inner)
{
    public string Error { get; } = error;

    public string Cause { get; } = cause;
}
