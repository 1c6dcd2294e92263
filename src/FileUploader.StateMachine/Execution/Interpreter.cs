using System.Diagnostics;
using FileUploader.StateMachine.Definition;
using FileUploader.StateMachine.Diagnostics;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Language;
using FileUploader.StateMachine.Tasks;

namespace FileUploader.StateMachine.Execution;

/// <summary>
/// Runs one execution's frames state by state. Synchronous states (Pass, Choice, Succeed, Fail) run inline
/// without any await, so a chain of them or a Map over them completes on the caller's thread; only Task, Wait
/// and retry delays yield. Changes are journaled at commit points: before anything is acted on (a task is
/// invoked, a timer is started) and right after an asynchronous state finished.
/// </summary>
internal sealed partial class Interpreter(ExecutionRun run, EngineServices services)
{
    private readonly TimeProvider _time = services.Time;

    // The attempt delegates, made on first use: a method group passed as a delegate allocates one per visit.
    private Func<Frame, TaskState, StateScope, CancellationToken, ValueTask>? _taskAttempt;
    private Func<Frame, ParallelState, StateScope, CancellationToken, ValueTask>? _parallelAttempt;
    private Func<Frame, MapState, StateScope, CancellationToken, ValueTask>? _mapAttempt;

    public async Task RunAsync(Frame top)
    {
        var record = run.Record;
        using var activity = StateMachineDiagnostics.Source.StartActivity(StateMachineDiagnostics.ExecutionSpan);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(StateMachineDiagnostics.ExecutionArnTag, record.Arn);
            activity.SetTag(StateMachineDiagnostics.StateMachineArnTag, record.StateMachineArn);
        }

        try
        {
            await RunFrameAsync(top, run.Cancellation.Token);
            if (top.Status == FrameStatus.Succeeded)
            {
                run.TrySucceed(top);
            }
            else
            {
                run.TryFinish(top, "FAILED", "ExecutionFailed", new EventDetails { Error = top.Error, Cause = top.Cause, HasError = true }, null, top.Error, top.Cause);
                activity?.SetStatus(ActivityStatusCode.Error, top.Error);
            }

            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(StateMachineDiagnostics.ExecutionStatusTag, run.Record.Status);
            }
        }
        catch (OperationCanceledException) when (run.Cancellation.IsCancellationRequested)
        {
            // Stopped (the stop already journaled ExecutionAborted) or the engine is shutting down (recovery resumes it).
        }
        catch (Exception ex)
        {
            services.Log.ExecutionCrashed(ex, record.Arn);
            try
            {
                run.TryFinish(top, "FAILED", "ExecutionFailed", new EventDetails { Error = StatesErrors.Runtime, Cause = ex.Message, HasError = true }, null, StatesErrors.Runtime, ex.Message);
            }
            catch (Exception finishFailure)
            {
                services.Log.ExecutionCrashed(finishFailure, record.Arn);
            }
        }
    }

    /// <summary>Runs a frame until it succeeds or fails. Throws only OperationCanceledException.</summary>
    public async ValueTask RunFrameAsync(Frame frame, CancellationToken cancellationToken)
    {
        while (frame.Status == FrameStatus.Running)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var state = frame.State;
            if (state is null)
            {
                if (!frame.Machine.States.TryGetValue(frame.StateName, out state))
                {
                    FailFrame(frame, StatesErrors.Runtime, $"The state '{frame.StateName}' does not exist.");
                    break;
                }

                frame.State = state;
            }

            using var activity = StateMachineDiagnostics.Source.StartActivity(StateMachineDiagnostics.StateSpan);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(StateMachineDiagnostics.StateNameTag, state.Name);
                activity.SetTag(StateMachineDiagnostics.StateTypeTag, state.Type.ToString());
            }

            try
            {
                switch (state)
                {
                    case PassState pass:
                        RunPass(frame, pass);
                        continue;
                    case ChoiceState choice:
                        RunChoice(frame, choice);
                        continue;
                    case SucceedState succeed:
                        RunSucceed(frame, succeed);
                        continue;
                    case FailState fail:
                        RunFail(frame, fail);
                        continue;
                    case WaitState wait:
                        await RunWaitAsync(frame, wait, cancellationToken);
                        break;
                    case TaskState task:
                        await RunWithErrorHandlingAsync(frame, task, _taskAttempt ??= RunTaskAttemptAsync, cancellationToken);
                        break;
                    case ParallelState parallel:
                        await RunWithErrorHandlingAsync(frame, parallel, _parallelAttempt ??= RunParallelAttemptAsync, cancellationToken);
                        break;
                    case MapState map:
                        await RunWithErrorHandlingAsync(frame, map, _mapAttempt ??= RunMapAttemptAsync, cancellationToken);
                        break;
                }
            }
            catch (StatesException ex)
            {
                FailFrame(frame, ex.Error, ex.Cause);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A bug or an unexpected value must not take the engine down: fail this thread of the execution like AWS's States.Runtime.
                FailFrame(frame, StatesErrors.Runtime, $"An error occurred while executing the state '{state.Name}': {ex.Message}");
            }

            // An asynchronous state just finished: journal its completion before anything else happens, so a
            // completed task is never run again after a crash. A run of a synchronous machine (a Parallel or Map of
            // Pass/Choice states) has nothing that must not run twice: it is journaled once, when it ends.
            if (run.SnapshotsFrames)
            {
                run.Commit();
            }
        }
    }

    private void RunPass(Frame frame, PassState state)
    {
        Enter(frame, state);
        var scope = new StateScope(this, frame, state);
        var effective = SelectPath(state.InputPath, frame.Input, scope, "InputPath", state.InputPathQuery);
        if (state.ParametersTemplate is { } parameters)
        {
            effective = parameters.Apply(scope.Ctx(effective));
        }

        var result = state.HasResult ? state.Result?.DeepClone() : effective;
        var assigned = EvaluateAssign(state.Assign, result, scope);
        var output = ApplyResultAndOutputPath(frame, state, state.ResultPath, state.ResultPathReference, result, scope);
        Complete(frame, state, state.Next, output, assigned);
    }

    private void RunChoice(Frame frame, ChoiceState state)
    {
        Enter(frame, state);
        var scope = new StateScope(this, frame, state);
        var effective = SelectPath(state.InputPath, frame.Input, scope, "InputPath", state.InputPathQuery);
        var ctx = scope.Ctx(effective);
        string? next = null;
        StateNode? nextState = null;
        DocObject? assign = null;
        // Indexed: a foreach over the IReadOnlyList would allocate an enumerator per visit (once per Map item).
        var choices = state.Choices;
        for (var i = 0; i < choices.Count; i++)
        {
            var branch = choices[i];
            if (branch.Rule.Evaluate(ctx))
            {
                next = branch.Next;
                nextState = branch.NextState;
                assign = branch.Assign;
                break;
            }
        }

        if (next is null)
        {
            next = state.Default ?? throw new StatesException(StatesErrors.NoChoiceMatched, "No Matches!");
            nextState = state.DefaultState;
        }

        // The state-level Assign applies whichever way the state goes; a matched rule's Assign is applied on top.
        var assigned = EvaluateAssign(state.Assign, effective, scope);
        if (EvaluateAssign(assign, effective, scope) is { } ruleAssigned)
        {
            assigned ??= new DocObject();
            foreach (var name in ruleAssigned.Select(p => p.Key).ToList())
            {
                var value = ruleAssigned[name];
                ruleAssigned.Remove(name);
                assigned[name] = value;
            }
        }
        var output = SelectPath(state.OutputPath, effective, scope, "OutputPath", state.OutputPathQuery);
        Complete(frame, state, next, output, assigned, nextState: nextState);
    }

    private void RunSucceed(Frame frame, SucceedState state)
    {
        Enter(frame, state);
        var scope = new StateScope(this, frame, state);
        var effective = SelectPath(state.InputPath, frame.Input, scope, "InputPath", state.InputPathQuery);
        var output = SelectPath(state.OutputPath, effective, scope, "OutputPath", state.OutputPathQuery);
        Complete(frame, state, next: null, output, assigned: null);
    }

    private void RunFail(Frame frame, FailState state)
    {
        Enter(frame, state);
        var scope = new StateScope(this, frame, state);
        var error = state.Error ?? EvaluateFailField(state.ErrorPath, frame.Input, scope, "ErrorPath");
        var cause = state.Cause ?? EvaluateFailField(state.CausePath, frame.Input, scope, "CausePath");
        FailFrame(frame, error, cause);
    }

    private static string? EvaluateFailField(string? path, DocNode? input, StateScope scope, string field)
    {
        if (path is null)
        {
            return null;
        }

        var ctx = scope.Ctx(input);
        DocNode? value;
        if (IntrinsicFunctions.IsIntrinsic(path))
        {
            value = IntrinsicFunctions.Evaluate(path, ctx, field);
        }
        else if (!ReferencePath.Parse(path).TryGet(ctx, out value))
        {
            throw new StatesException(StatesErrors.Runtime, $"The {field} '{path}' could not be found in the input '{JsonValues.ToJsonText(input)}'");
        }

        return JsonValues.TryGetString(value, out var text)
            ? text
            : throw new StatesException(StatesErrors.Runtime, $"The {field} '{path}' must resolve to a string, not a {JsonValues.TypeName(value)}.");
    }

    private async ValueTask RunWaitAsync(Frame frame, WaitState state, CancellationToken cancellationToken)
    {
        Enter(frame, state);
        var scope = new StateScope(this, frame, state);
        var effective = SelectPath(state.InputPath, frame.Input, scope, "InputPath", state.InputPathQuery);
        if (frame.DueAt is null)
        {
            frame.DueAt = ResolveWaitUntil(frame, state, scope.Ctx(effective));
            run.MarkDirty(frame);
            run.Commit();
        }

        await DelayUntilAsync(frame.DueAt.Value, cancellationToken);
        frame.DueAt = null;
        var assigned = EvaluateAssign(state.Assign, effective, scope);
        var output = SelectPath(state.OutputPath, effective, scope, "OutputPath", state.OutputPathQuery);
        Complete(frame, state, state.Next, output, assigned);
    }

    private static DateTimeOffset ResolveWaitUntil(Frame frame, WaitState state, PathContext ctx)
    {
        if (state.Seconds is { } seconds)
        {
            return frame.EnteredAt.AddSeconds(seconds);
        }

        if (state.Timestamp is { } timestamp)
        {
            return timestamp;
        }

        if (state.SecondsPath is { } secondsPath)
        {
            if (!ReferencePath.Parse(secondsPath).TryGet(ctx, out var value))
            {
                throw new StatesException(StatesErrors.Runtime, $"The SecondsPath '{secondsPath}' could not be found in the input '{JsonValues.ToJsonText(ctx.Input)}'");
            }

            if (!JsonValues.TryGetInteger(value, out var pathSeconds) || pathSeconds < 0)
            {
                throw new StatesException(StatesErrors.Runtime, $"The SecondsPath '{secondsPath}' must point to a non-negative integer, not {JsonValues.ToJsonText(value)}.");
            }

            return frame.EnteredAt.AddSeconds(pathSeconds);
        }

        var timestampPath = state.TimestampPath!;
        if (!ReferencePath.Parse(timestampPath).TryGet(ctx, out var node))
        {
            throw new StatesException(StatesErrors.Runtime, $"The TimestampPath '{timestampPath}' could not be found in the input '{JsonValues.ToJsonText(ctx.Input)}'");
        }

        if (!JsonValues.TryGetString(node, out var text) || !AslTimestamp.TryParse(text, out var parsed))
        {
            throw new StatesException(StatesErrors.Runtime, $"The TimestampPath '{timestampPath}' must point to an RFC3339 timestamp string, not {JsonValues.ToJsonText(node)}.");
        }

        return parsed;
    }

    /// <summary>
    /// Runs one attempt of a Task/Parallel/Map state after another until it completes, is caught or fails,
    /// applying Retry (with journaled due times) and Catch as AWS does.
    /// </summary>
    private async ValueTask RunWithErrorHandlingAsync<TState>(Frame frame, TState state, Func<Frame, TState, StateScope, CancellationToken, ValueTask> attempt, CancellationToken cancellationToken)
        where TState : ResultStateNode
    {
        Enter(frame, state);
        while (true)
        {
            if (frame.DueAt is { } due)
            {
                await DelayUntilAsync(due, cancellationToken);
                frame.DueAt = null;
            }

            string error;
            string cause;
            try
            {
                await attempt(frame, state, new StateScope(this, frame, state), cancellationToken);
                return;
            }
            catch (StatesException ex)
            {
                (error, cause) = (ex.Error, ex.Cause);
            }
            catch (TaskFailedException ex)
            {
                (error, cause) = (ex.Error, ex.Cause);
            }

            if (TryScheduleRetry(frame, state, error))
            {
                continue;
            }

            if (!TryCatch(frame, state, error, cause))
            {
                FailFrame(frame, error, cause);
            }

            return;
        }
    }

    private bool TryScheduleRetry(Frame frame, ResultStateNode state, string error)
    {
        for (var i = 0; i < state.Retry.Count; i++)
        {
            var retrier = state.Retry[i];
            if (!ErrorMatching.Matches(retrier.ErrorEquals, error))
            {
                continue;
            }

            frame.RetryCounts ??= new int[state.Retry.Count];
            var used = frame.RetryCounts[i];
            if (used >= retrier.MaxAttempts)
            {
                return false;
            }

            frame.RetryCounts[i] = used + 1;
            frame.DueAt = _time.GetUtcNow() + ErrorMatching.RetryDelay(retrier, used);
            frame.Phase = 1;
            run.MarkDirty(frame);
            run.Commit();
            return true;
        }

        return false;
    }

    private bool TryCatch(Frame frame, ResultStateNode state, string error, string cause)
    {
        foreach (var catcher in state.Catch)
        {
            if (!ErrorMatching.Matches(catcher.ErrorEquals, error))
            {
                continue;
            }

            var scope = new StateScope(this, frame, state);
            var errorOutput = new DocObject { ["Error"] = error, ["Cause"] = cause };
            var assigned = EvaluateAssign(catcher.Assign, errorOutput, scope);
            var output = ApplyResultPath(frame, catcher.ResultPath, errorOutput);
            Complete(frame, state, catcher.Next, output, assigned, forceNext: true);
            return true;
        }

        return false;
    }

    /// <summary>ResultSelector → Assign → ResultPath → OutputPath, then the transition.</summary>
    private void CompleteWithResult(Frame frame, ResultStateNode state, StateScope scope, DocNode? result)
    {
        if (state.ResultSelectorTemplate is { } resultSelector)
        {
            result = resultSelector.Apply(scope.Ctx(result));
        }

        var assigned = EvaluateAssign(state.Assign, result, scope);
        var output = ApplyResultAndOutputPath(frame, state, state.ResultPath, state.ResultPathReference, result, scope);
        Complete(frame, state, state.Next, output, assigned);
    }

    private void Enter(Frame frame, StateNode state)
    {
        if (frame.Phase != 0)
        {
            return;
        }

        frame.EnteredAt = _time.GetUtcNow();
        frame.ResetInputEdit();

        // A run that journals positions needs the input as text for the frame's row anyway; otherwise it is rendered only into the history.
        run.AddStateEvent(frame, state.EnteredEventTypeText, state.NameText, isInput: true, run.SnapshotsFrames ? frame.GetInputJson() : null, frame.Input, frame.EnteredAt);
        frame.Phase = 1;
    }

    /// <summary>
    /// Leaves the state: Exited event, variables, then the next state or the end of the frame. A state that never
    /// awaits (Pass, Choice, Succeed) takes no time: it leaves at the instant it entered, which saves a clock read
    /// per state (clock reads are a visible share of a synchronous state's cost).
    /// </summary>
    private void Complete(Frame frame, StateNode state, string? next, DocNode? output, DocObject? assigned, bool forceNext = false, StateNode? nextState = null)
    {
        var outputJson = run.SnapshotsFrames ? JsonText.Write(output) : null;
        var exitedAt = state.Type is StateType.Pass or StateType.Choice or StateType.Succeed ? frame.EnteredAt : _time.GetUtcNow();
        run.AddStateEvent(frame, state.ExitedEventTypeText, state.NameText, isInput: false, outputJson, output, exitedAt);
        if (assigned is not null)
        {
            frame.Variables.Assign(assigned);
        }

        if (next is not null && (forceNext || !state.End))
        {
            // The target's state object when known already: the state's own Next, or what the Choice resolved.
            nextState ??= ReferenceEquals(next, state.Next) ? state.NextState : null;
            frame.MoveTo(next, nextState, output, outputJson);
        }
        else
        {
            frame.Succeed(output, outputJson);
        }

        run.MarkDirty(frame);
    }

    private void FailFrame(Frame frame, string? error, string? cause)
    {
        frame.Status = FrameStatus.Failed;
        frame.Error = error;
        frame.Cause = cause;
        run.MarkDirty(frame);
    }

    private static DocObject? EvaluateAssign(DocObject? assign, DocNode? dollar, StateScope scope)
    {
        if (assign is null)
        {
            return null;
        }

        // Evaluated against the values at state entry; applied only when the state completes (AWS's rule).
        return PayloadTemplate.Apply(assign, scope.Ctx(dollar)) as DocObject;
    }

    /// <summary>InputPath / OutputPath: null gives {}, "$" the document itself, anything else a selection.</summary>
    private static DocNode? SelectPath(string? path, DocNode? input, StateScope scope, string field, CompiledJsonPath? compiled = null)
    {
        if (path is null)
        {
            return new DocObject();
        }

        if (path == "$")
        {
            return input;
        }

        compiled ??= JsonPathQuery.Compile(path);
        if (compiled.TrySelect(scope.Ctx(input), out var value))
        {
            return value;
        }

        throw new StatesException(StatesErrors.Runtime, $"Invalid path '{path}' for the field '{field}': no results in the input '{JsonValues.ToJsonText(input)}'");
    }

    /// <summary>
    /// ResultPath, then OutputPath. When OutputPath is the very path ResultPath names (<c>"ResultPath": "$.x",
    /// "OutputPath": "$.x"</c>), the output is the result itself: placing it in the input only to select it again is
    /// skipped, and with it the copy of a result taken from the input (an object or array belongs to one document, so placing one copies it).
    /// The input is not used once the state has its output, so nobody sees that it was left unchanged. Only for a path of
    /// names (an index step is left to the general path: JSONPath and reference paths need not agree on every index),
    /// and only when the placement would succeed: otherwise the general path raises its error.
    /// </summary>
    private static DocNode? ApplyResultAndOutputPath(Frame frame, StateNode state, string? resultPath, ReferencePath? resultPathReference, DocNode? result, StateScope scope)
    {
        if (resultPathReference is { IsInputNamePath: true }
            && string.Equals(resultPath, state.OutputPath, StringComparison.Ordinal)
            && resultPathReference.CanSetInPlace(frame.Input))
        {
            return result;
        }

        var output = ApplyResultPath(frame, resultPath, result, resultPathReference);
        return SelectPath(state.OutputPath, output, scope, "OutputPath", state.OutputPathQuery);
    }

    /// <summary>ResultPath: null keeps the input, "$" is the result, anything else places the result in a copy of the input.</summary>
    private static DocNode? ApplyResultPath(Frame frame, string? resultPath, DocNode? result, ReferencePath? parsed = null)
    {
        var input = frame.Input;
        if (resultPath is null)
        {
            return input;
        }

        if (resultPath == "$")
        {
            return result;
        }

        // The frame owns its input document, so it is changed in place. A result that lives inside it is copied
        // first (just the result, not the whole document), unless placing it would fail: then the error comes from
        // a copy, exactly as before, and the input stays as it was.
        var path = parsed ?? ReferencePath.Parse(resultPath);
        if (ReferenceEquals(input, result) || result?.Root == input)
        {
            if (input is not null && path.CanSetInPlace(input))
            {
                NoteInputEdit(frame, path, input);
                return path.SetInPlace(input, result!.DeepClone());
            }

            return path.Set(input, result);
        }

        if (input is null)
        {
            return path.SetInPlace(new DocObject(), result);
        }

        NoteInputEdit(frame, path, input);
        return path.SetInPlace(input, result);
    }

    /// <summary>Tells the frame how ResultPath is about to change its input (for the Exited event's text).</summary>
    private static void NoteInputEdit(Frame frame, ReferencePath path, DocNode input) =>
        frame.NoteInputEdit(path.TopLevelName is { } name && input is DocObject obj && !obj.ContainsKey(name) ? name : null);

    private ValueTask DelayUntilAsync(DateTimeOffset due, CancellationToken cancellationToken) =>
        due <= _time.GetUtcNow() ? ValueTask.CompletedTask : new ValueTask(Timers.DelayUntilAsync(_time, due, cancellationToken));

    /// <summary>What the paths and templates of one state see: the context object is built once, only if the state uses it.</summary>
    private readonly struct StateScope
    {
        private readonly Frame _frame;

        public StateScope(Interpreter interpreter, Frame frame, StateNode state)
        {
            _frame = frame;
            Context = state.UsesContext ? interpreter.BuildContext(frame, state) : null;
        }

        public DocObject? Context { get; }

        public PathContext Ctx(DocNode? input) => new(input, Context, _frame.Variables);
    }

    private DocObject BuildContext(Frame frame, StateNode state)
    {
        var record = run.Record;
        return new DocObject
        {
            ["Execution"] = new DocObject
            {
                ["Id"] = record.Arn,
                ["Input"] = DocNode.Parse(record.Input),
                ["Name"] = record.Name,
                ["RoleArn"] = record.RoleArn,
                ["StartTime"] = AslTimestamp.Format(record.StartDate),
                ["RedriveCount"] = 0,
            },
            ["State"] = new DocObject
            {
                ["EnteredTime"] = AslTimestamp.Format(frame.EnteredAt),
                ["Name"] = state.Name,
                ["RetryCount"] = frame.Attempt,
            },
            ["StateMachine"] = new DocObject
            {
                ["Id"] = record.StateMachineArn,
                ["Name"] = Service.Arns.StateMachineNameOf(record.StateMachineArn),
            },
        };
    }
}
