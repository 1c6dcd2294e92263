using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.Core.Domain;
using FileUploader.Core.Steps;
using FileUploader.Server.Diagnostics;
using FileUploader.StateMachine.Tasks;

namespace FileUploader.Server.Workflow;

/// <summary>
/// Runs the engine's Task states in this process: the Lambda ARN a Task names (after the definition substitutions,
/// <c>arn:aws:lambda:local:000000000000:function:&lt;Step&gt;</c>) picks the step from the generated registry, exactly
/// as <c>_HANDLER</c> picks it in the Lambda bootstrap. A step's stable error name becomes the task error that the
/// ASL's Retry and Catch match.
/// </summary>
internal sealed class InProcessTaskDispatcher(IServiceScopeFactory scopes, ILogger<InProcessTaskDispatcher> logger) : ITaskDispatcher
{
    public async ValueTask<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken)
    {
        var step = LocalFunctions.StepName(invocation.FunctionArn)
            ?? throw new TaskFailedException("States.Runtime", $"'{invocation.FunctionArn}' is not a local step function.");

        using var scope = logger.BeginScope(new ExecutionScope(invocation.ExecutionArn));
        using var activity = ServerTelemetry.StartStep(step, invocation.ExecutionArn, invocation.Attempt);
        Log.StepStarting(logger, step, invocation.Attempt);
        try
        {
            await using var services = scopes.CreateAsyncScope();
            return await StepRegistry.InvokeAsync(step, services.ServiceProvider, invocation.Input, cancellationToken);
        }
        catch (StepFailedException failure)
        {
            Fail(activity, step, invocation.Attempt, failure.ErrorName, failure.Message);
            throw new TaskFailedException(failure.ErrorName, failure.Message, failure);
        }
        catch (JsonException bad)
        {
            // An input the step cannot read is a definition bug, not a storage hiccup: never retried.
            Fail(activity, step, invocation.Attempt, "States.Runtime", bad.Message);
            throw new TaskFailedException("States.Runtime", bad.Message, bad);
        }
        catch (UnknownStepException unknown)
        {
            Fail(activity, step, invocation.Attempt, "States.Runtime", unknown.Message);
            throw new TaskFailedException("States.Runtime", unknown.Message, unknown);
        }
        catch (Exception other) when (other is not OperationCanceledException)
        {
            Fail(activity, step, invocation.Attempt, other.GetType().Name, other.Message);
            throw new TaskFailedException(other.GetType().Name, other.Message, other);
        }
    }

    private void Fail(System.Diagnostics.Activity? activity, string step, int attempt, string error, string cause)
    {
        Log.StepFailed(logger, step, attempt, error, cause);
        if (activity is not null)
        {
            activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error);
            activity.SetTag(ServerTelemetry.ErrorTag, error);
        }
    }
}

/// <summary>The local Lambda ARNs that stand for in-process steps.</summary>
internal static class LocalFunctions
{
    public const string ArnPrefix = "arn:aws:lambda:local:000000000000:function:";

    public static string Arn(string step) => ArnPrefix + step;

    /// <summary>The step name for a local function ARN (a bare name is accepted too, as Lambda accepts it); null otherwise.</summary>
    public static string? StepName(string functionArn)
    {
        var name = functionArn.StartsWith(ArnPrefix, StringComparison.Ordinal) ? functionArn[ArnPrefix.Length..] : functionArn;
        // lambda:invoke may carry a version or alias (":$LATEST"); the in-process step has just one.
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            name = name[..colon];
        }

        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? name : null;
    }
}
