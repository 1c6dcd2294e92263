using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Definition;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Language;
using FileUploader.StateMachine.Service;
using FileUploader.StateMachine.Tasks;

namespace FileUploader.StateMachine.Execution;

/// <summary>Task states: resources, events, timeouts, and the service integrations the engine runs itself.</summary>
internal sealed partial class Interpreter
{
    private async ValueTask RunTaskAttemptAsync(Frame frame, TaskState state, StateScope scope, CancellationToken cancellationToken)
    {
        var effective = SelectPath(state.InputPath, frame.Input, scope, "InputPath", state.InputPathQuery);
        if (state.ParametersTemplate is { } parameters)
        {
            effective = parameters.Apply(scope.Ctx(effective));
        }
        else if (effective is not null && (effective.Parent is not null || ReferenceEquals(effective, frame.Input)))
        {
            // The task may keep or attach what it is given; it must not share the frame's document.
            effective = effective.DeepClone();
        }

        var timeout = ResolveSeconds(state.TimeoutSeconds, state.TimeoutSecondsPath, scope.Ctx(frame.Input), "TimeoutSecondsPath");
        var heartbeat = ResolveSeconds(state.HeartbeatSeconds, state.HeartbeatSecondsPath, scope.Ctx(frame.Input), "HeartbeatSecondsPath");
        var resource = TaskResource.Parse(state.Resource);
        var inputJson = JsonText.Write(effective);
        if (resource.Kind == TaskResourceKind.LambdaFunction)
        {
            run.AddEvent(frame, "LambdaFunctionScheduled", new EventDetails { Resource = state.Resource, Input = inputJson, TimeoutInSeconds = timeout });
            run.AddEvent(frame, "LambdaFunctionStarted", null);
        }
        else
        {
            run.AddEvent(frame, "TaskScheduled", new EventDetails
            {
                ResourceType = resource.ResourceType, Resource = resource.ResourceName, Region = services.Options.Region,
                Parameters = inputJson, TimeoutInSeconds = timeout, HeartbeatInSeconds = heartbeat,
            });
            run.AddEvent(frame, "TaskStarted", new EventDetails { ResourceType = resource.ResourceType, Resource = resource.ResourceName });
        }

        // No commit before invoking: tasks run at least once (every step is idempotent), and a crash while this one
        // runs resumes the frame from its last committed position, which re-runs it, exactly as recovery re-runs a
        // task whose TaskScheduled was journaled. What must be journaled, the completion, is committed before the
        // next state runs (RunFrameAsync), so this saves a transaction per task without acknowledging anything
        // earlier. Everything before the task is journaled with that commit, or with the next one anything makes.
        run.MarkDirty(frame);

        DocNode? result;
        try
        {
            result = await InvokeWithTimeoutAsync(frame, state, resource, effective, timeout, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var (error, cause) = ex switch
            {
                TaskFailedException failed => (failed.Error, failed.Cause),
                StatesException states => (states.Error, states.Cause),
                TaskTimedOutException => (StatesErrors.Timeout, $"The task did not finish within {timeout} seconds."),
                StepFunctionsException sfn => ($"StepFunctions.{sfn.ErrorType}Exception", sfn.Message),
                _ => (ex.GetType().Name, ex.Message),
            };
            var timedOut = error == StatesErrors.Timeout;
            var type = resource.Kind == TaskResourceKind.LambdaFunction
                ? timedOut ? "LambdaFunctionTimedOut" : "LambdaFunctionFailed"
                : timedOut ? "TaskTimedOut" : "TaskFailed";
            run.AddEvent(frame, type, new EventDetails
            {
                ResourceType = resource.Kind == TaskResourceKind.LambdaFunction ? null : resource.ResourceType,
                Resource = resource.Kind == TaskResourceKind.LambdaFunction ? null : resource.ResourceName,
                Error = error, Cause = cause, HasError = true,
            });
            throw new StatesException(error, cause);
        }

        var outputJson = JsonText.Write(result);
        run.AddEvent(frame, resource.Kind == TaskResourceKind.LambdaFunction ? "LambdaFunctionSucceeded" : "TaskSucceeded", new EventDetails
        {
            ResourceType = resource.Kind == TaskResourceKind.LambdaFunction ? null : resource.ResourceType,
            Resource = resource.Kind == TaskResourceKind.LambdaFunction ? null : resource.ResourceName,
            Output = outputJson,
        });
        CompleteWithResult(frame, state, scope, result);
    }

    private static long? ResolveSeconds(int? seconds, string? path, PathContext ctx, string field)
    {
        if (seconds is { } fixedSeconds)
        {
            return fixedSeconds;
        }

        if (path is null)
        {
            return null;
        }

        if (!ReferencePath.Parse(path).TryGet(ctx, out var value) || !JsonValues.TryGetInteger(value, out var resolved) || resolved <= 0)
        {
            throw new StatesException(StatesErrors.Runtime, $"The {field} '{path}' must point to a positive integer in the input.");
        }

        return resolved;
    }

    private async ValueTask<DocNode?> InvokeWithTimeoutAsync(Frame frame, TaskState state, TaskResource resource, DocNode? input, long? timeoutSeconds, CancellationToken cancellationToken)
    {
        using var taskCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var invocation = InvokeResourceAsync(frame, state, resource, input, taskCancellation.Token);
        if (invocation.IsCompleted)
        {
            return await invocation;
        }

        var invokeTask = invocation.AsTask();
        try
        {
            if (timeoutSeconds is null)
            {
                // Stop and shutdown must not wait for a task that ignores its token.
                return await invokeTask.WaitAsync(cancellationToken);
            }

            // Race the task against a timer on the injected clock. A task that ignores its token is abandoned,
            // as AWS abandons a Lambda that outlives the state's timeout.
            var timer = Timers.DelayUntilAsync(_time, _time.GetUtcNow().AddSeconds(timeoutSeconds.Value), taskCancellation.Token);
            var first = await Task.WhenAny(invokeTask, timer);
            if (first == invokeTask)
            {
                return await invokeTask;
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new TaskTimedOutException();
        }
        finally
        {
            // Whatever ended the wait (timeout, stop, shutdown), the task itself must hear about it: the linked
            // source may not have been cancelled yet when the wait on the outer token already returned.
            if (!invokeTask.IsCompleted)
            {
                await taskCancellation.CancelAsync();
                _ = invokeTask.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }

    private async ValueTask<DocNode?> InvokeResourceAsync(Frame frame, TaskState state, TaskResource resource, DocNode? input, CancellationToken cancellationToken)
    {
        var attempt = frame.Attempt + 1;
        switch (resource.Kind)
        {
            case TaskResourceKind.LambdaInvoke:
                var parameters = input as DocObject;
                if (parameters is null || !JsonValues.TryGetString(parameters["FunctionName"], out var functionName))
                {
                    throw new StatesException(StatesErrors.Runtime, "The lambda:invoke integration needs a 'FunctionName' string in Parameters.");
                }

                // Handlers take and give System.Text.Json nodes (the port is public); each call gets a copy of its own.
                var payload = parameters.TryGetPropertyValue("Payload", out var p) ? DocNode.ToJsonNode(p) : new JsonObject();
                var payloadResult = await services.Dispatcher.InvokeAsync(new TaskInvocation(functionName, payload, run.Record.Arn, state.Name, attempt), cancellationToken);
                return LambdaInvokeResult(DocNode.FromJsonNode(payloadResult));

            case TaskResourceKind.StartExecution:
                return await StartChildExecutionAsync(frame, resource, input, cancellationToken);

            default:
                var result = await services.Dispatcher.InvokeAsync(new TaskInvocation(state.Resource, DocNode.ToJsonNode(input), run.Record.Arn, state.Name, attempt), cancellationToken);
                return DocNode.FromJsonNode(result);
        }
    }

    /// <summary>The shape AWS gives lambda:invoke results: the function's result under Payload, plus response metadata.</summary>
    private static DocObject LambdaInvokeResult(DocNode? payload)
    {
        var requestId = Guid.NewGuid().ToString();
        return new DocObject
        {
            ["ExecutedVersion"] = "$LATEST",
            ["Payload"] = payload?.Parent is null ? payload : payload.DeepClone(),
            ["SdkHttpMetadata"] = new DocObject
            {
                ["AllHttpHeaders"] = new DocObject
                {
                    ["X-Amz-Executed-Version"] = new DocArray("$LATEST"),
                    ["x-amzn-RequestId"] = new DocArray(requestId),
                    ["Content-Type"] = new DocArray("application/json"),
                },
                ["HttpHeaders"] = new DocObject
                {
                    ["Content-Type"] = "application/json",
                    ["X-Amz-Executed-Version"] = "$LATEST",
                    ["x-amzn-RequestId"] = requestId,
                },
                ["HttpStatusCode"] = 200,
            },
            ["SdkResponseMetadata"] = new DocObject { ["RequestId"] = requestId },
            ["StatusCode"] = 200,
        };
    }

    /// <summary>arn:aws:states:::states:startExecution[.sync[:2]]: starts an execution of this same engine.</summary>
    private async ValueTask<DocNode?> StartChildExecutionAsync(Frame frame, TaskResource resource, DocNode? input, CancellationToken cancellationToken)
    {
        if (input is not DocObject parameters || !JsonValues.TryGetString(parameters["StateMachineArn"], out var stateMachineArn))
        {
            throw new StatesException(StatesErrors.Runtime, "The states:startExecution integration needs a 'StateMachineArn' string in Parameters.");
        }

        var childInput = parameters["Input"] switch
        {
            null => "{}",
            DocValue v when JsonValues.TryGetString(v, out var text) => text,
            var node => JsonValues.ToJsonText(node),
        };

        // A name derived from this exact attempt: if the engine crashes after starting the child, the re-run
        // asks for the same name and input and gets the same execution back (StartExecution is idempotent).
        var name = JsonValues.TryGetString(parameters["Name"], out var given)
            ? given
            : DeterministicName($"{run.Record.Arn}|{frame.Id}|{frame.Step}|{frame.Attempt}");
        var started = await services.StepFunctions.StartExecutionAsync(new StartExecutionRequest(stateMachineArn, name, childInput), cancellationToken);
        if (resource.SyncMode == 0)
        {
            return new DocObject
            {
                ["ExecutionArn"] = started.ExecutionArn,
                ["StartDate"] = AslTimestamp.Format(started.StartDate),
            };
        }

        var done = await services.StepFunctions.WaitForCompletionAsync(started.ExecutionArn, cancellationToken);
        var description = new DocObject
        {
            ["ExecutionArn"] = done.ExecutionArn,
            ["Input"] = resource.SyncMode == 2 ? DocNode.Parse(done.Input) : done.Input,
            ["InputDetails"] = new DocObject { ["Included"] = true },
            ["Name"] = done.Name,
            ["Output"] = resource.SyncMode == 2 && done.Output is not null ? DocNode.Parse(done.Output) : done.Output,
            ["OutputDetails"] = new DocObject { ["Included"] = true },
            ["StartDate"] = AslTimestamp.Format(done.StartDate),
            ["StateMachineArn"] = done.StateMachineArn,
            ["Status"] = done.Status,
            ["StopDate"] = done.StopDate is { } stop ? AslTimestamp.Format(stop) : null,
        };
        if (done.Status != "SUCCEEDED")
        {
            description["Error"] = done.Error;
            description["Cause"] = done.Cause;
            throw new StatesException(StatesErrors.TaskFailed, JsonValues.ToJsonText(description));
        }

        return description;
    }

    private static string DeterministicName(string seed)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    private sealed class TaskTimedOutException() : Exception("The task timed out.");
}

internal enum TaskResourceKind
{
    LambdaFunction,
    LambdaInvoke,
    StartExecution,
    Other,
}

/// <summary>What a Task's Resource ARN names, and the resourceType/resource pair AWS shows in Task* events.</summary>
internal sealed record TaskResource(TaskResourceKind Kind, string ResourceType, string ResourceName, int SyncMode)
{
    public static TaskResource Parse(string arn)
    {
        const string serviceIntegration = "arn:aws:states:::";
        if (arn.StartsWith(serviceIntegration, StringComparison.Ordinal))
        {
            var rest = arn[serviceIntegration.Length..];
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            var type = colon < 0 ? rest : rest[..colon];
            var name = colon < 0 ? "" : rest[(colon + 1)..];
            if (type == "lambda" && name == "invoke")
            {
                return new TaskResource(TaskResourceKind.LambdaInvoke, type, name, 0);
            }

            if (type == "states" && name.StartsWith("startExecution", StringComparison.Ordinal))
            {
                var sync = name switch { "startExecution.sync" => 1, "startExecution.sync:2" => 2, _ => 0 };
                return new TaskResource(TaskResourceKind.StartExecution, type, name, sync);
            }

            return new TaskResource(TaskResourceKind.Other, type, name, 0);
        }

        if (arn.StartsWith("arn:aws:lambda:", StringComparison.Ordinal))
        {
            return new TaskResource(TaskResourceKind.LambdaFunction, "lambda", arn, 0);
        }

        var parts = arn.Split(':');
        return new TaskResource(TaskResourceKind.Other, parts.Length > 2 ? parts[2] : "unknown", arn, 0);
    }
}
