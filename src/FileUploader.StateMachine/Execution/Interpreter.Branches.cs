using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Definition;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Language;

namespace FileUploader.StateMachine.Execution;

/// <summary>Parallel and Map: child frames, bounded concurrency, failure tolerance and their history events.</summary>
internal sealed partial class Interpreter
{
    private async ValueTask RunParallelAttemptAsync(Frame frame, ParallelState state, StateScope scope, CancellationToken cancellationToken)
    {
        var effective = SelectPath(state.InputPath, frame.Input, scope, "InputPath");
        if (state.Parameters is not null)
        {
            effective = PayloadTemplate.Apply(state.Parameters, scope.Ctx(effective));
        }

        if (frame.Phase < 2)
        {
            run.AddEvent(frame, "ParallelStateStarted", null);
            frame.Phase = 2;
            run.MarkDirty(frame);
        }

        var children = new Frame[state.Branches.Count];
        Frame? firstFailure = null;
        await RunChildrenAsync(
            state.Branches.Count,
            maxConcurrency: 0,
            state.BranchesAreSynchronous,
            index => children[index] = CreateChild(frame, index, state.Branches[index], isolated: false, _ => effective?.DeepClone(), startedEvent: null, state.NameText),
            child =>
            {
                firstFailure ??= child.Status == FrameStatus.Failed ? child : null;
                return firstFailure is not null;
            },
            onAborted: null,
            cancellationToken);

        run.RemoveFrames(children);
        if (firstFailure is not null)
        {
            run.AddEvent(frame, "ParallelStateFailed", new EventDetails { Error = firstFailure.Error, Cause = firstFailure.Cause, HasError = true });
            frame.Phase = 1;
            throw new StatesException(firstFailure.Error ?? StatesErrors.BranchFailed, firstFailure.Cause ?? "A branch of the Parallel state failed.");
        }

        var results = new JsonArray();
        foreach (var child in children)
        {
            results.Add(Own(child.Output));
        }

        run.AddEvent(frame, "ParallelStateSucceeded", null);
        CompleteWithResult(frame, state, scope, results);
    }

    private async ValueTask RunMapAttemptAsync(Frame frame, MapState state, StateScope scope, CancellationToken cancellationToken)
    {
        var effective = SelectPath(state.InputPath, frame.Input, scope, "InputPath");
        var ctx = scope.Ctx(effective);
        JsonNode? itemsNode;
        if (state.ItemsPath is null or "$")
        {
            itemsNode = effective;
        }
        else if (!ReferencePath.Parse(state.ItemsPath).TryGet(ctx, out itemsNode))
        {
            throw new StatesException(StatesErrors.Runtime, $"The ItemsPath '{state.ItemsPath}' could not be found in the input '{JsonValues.ToJsonText(effective)}'");
        }

        if (itemsNode is not JsonArray items)
        {
            throw new StatesException(StatesErrors.Runtime, $"The ItemsPath '{state.ItemsPath}' must select an array, not a {JsonValues.TypeName(itemsNode)}.");
        }

        var maxConcurrency = (int)(ResolveCount(state.MaxConcurrency, state.MaxConcurrencyPath, ctx, "MaxConcurrencyPath") ?? 0);
        var toleratedCount = ResolveCount(state.ToleratedFailureCount, state.ToleratedFailureCountPath, ctx, "ToleratedFailureCountPath");
        var toleratedPercentage = ResolvePercentage(state, ctx);
        var hasTolerance = toleratedCount is not null || toleratedPercentage is not null;

        if (frame.Phase < 2)
        {
            run.AddEvent(frame, "MapStateStarted", new EventDetails { Length = items.Count });
            frame.Phase = 2;
            run.MarkDirty(frame);
        }

        var children = new Frame[items.Count];

        // One delegate for all items (a lambda per item would allocate a closure per item).
        Func<int, JsonNode?> itemInput = index => ItemInput(frame, state, scope, effective, items[index], index);
        var failures = 0;
        Frame? firstFailure = null;
        var exceeded = false;
        await RunChildrenAsync(
            items.Count,
            maxConcurrency,
            state.Processor.IsSynchronous,
            index => children[index] = CreateChild(
                frame, index, state.Processor, isolated: state.Distributed,
                itemInput,
                startedEvent: IterationEvents.Started, state.NameText),
            child =>
            {
                if (child.Status == FrameStatus.Succeeded)
                {
                    if (!child.FinishedBeforeRecovery || !run.IterationEndJournaled(child))
                    {
                        run.AddIterationEvent(child, IterationEvents.Succeeded, state.NameText);
                    }

                    return false;
                }

                if (!child.FinishedBeforeRecovery || !run.IterationEndJournaled(child))
                {
                    run.AddEvent(child, "MapIterationFailed", new EventDetails { Name = state.Name, Index = child.Index, Error = child.Error, Cause = child.Cause, HasError = true });
                }

                failures++;
                firstFailure ??= child;
                exceeded = !hasTolerance || ExceedsTolerance(failures, items.Count, toleratedCount, toleratedPercentage);
                return exceeded;
            },
            child => run.AddIterationEvent(child, IterationEvents.Aborted, state.NameText),
            cancellationToken);

        run.RemoveFrames(children);
        if (exceeded)
        {
            var (error, cause) = hasTolerance
                ? (StatesErrors.ExceedToleratedFailureThreshold, $"The Map state '{state.Name}' failed {failures} of {items.Count} iterations, more than it tolerates.")
                : (firstFailure!.Error ?? StatesErrors.BranchFailed, firstFailure.Cause ?? "A Map iteration failed.");
            run.AddEvent(frame, "MapStateFailed", new EventDetails { Error = error, Cause = cause, HasError = true });
            frame.Phase = 1;
            throw new StatesException(error, cause);
        }

        var results = new JsonArray();
        foreach (var child in children)
        {
            results.Add(child.Status == FrameStatus.Succeeded
                ? Own(child.Output)
                : new JsonObject { ["Error"] = child.Error, ["Cause"] = child.Cause });
        }

        run.AddEvent(frame, "MapStateSucceeded", null);
        CompleteWithResult(frame, state, scope, results);
    }

    private JsonNode? ItemInput(Frame frame, MapState state, StateScope scope, JsonNode? effective, JsonNode? item, int index)
    {
        if (state.ItemSelector is null)
        {
            return item?.DeepClone();
        }

        // $$.Map.Item.Index/Value exist only while the ItemSelector is evaluated (AWS's context object for Map).
        var context = scope.Context?.DeepClone() as JsonObject ?? (state.UsesContext ? BuildContext(frame, state) : null);
        if (context is not null)
        {
            context["Map"] = new JsonObject { ["Item"] = new JsonObject { ["Index"] = index, ["Value"] = item?.DeepClone() } };
        }

        return PayloadTemplate.Apply(state.ItemSelector, new PathContext(effective, context, frame.Variables));
    }

    private static long? ResolveCount(int? value, string? path, PathContext ctx, string field)
    {
        if (value is not null)
        {
            return value;
        }

        if (path is null)
        {
            return null;
        }

        if (!ReferencePath.Parse(path).TryGet(ctx, out var node) || !JsonValues.TryGetInteger(node, out var resolved) || resolved < 0)
        {
            throw new StatesException(StatesErrors.Runtime, $"The {field} '{path}' must point to a non-negative integer in the input.");
        }

        return resolved;
    }

    private static double? ResolvePercentage(MapState state, PathContext ctx)
    {
        if (state.ToleratedFailurePercentage is not null || state.ToleratedFailurePercentagePath is null)
        {
            return state.ToleratedFailurePercentage;
        }

        if (!ReferencePath.Parse(state.ToleratedFailurePercentagePath).TryGet(ctx, out var node) || !JsonValues.TryGetDouble(node, out var value) || value is < 0 or > 100)
        {
            throw new StatesException(StatesErrors.Runtime, $"The ToleratedFailurePercentagePath '{state.ToleratedFailurePercentagePath}' must point to a number between 0 and 100.");
        }

        return value;
    }

    private static bool ExceedsTolerance(int failures, int total, long? toleratedCount, double? toleratedPercentage)
    {
        if (toleratedCount is { } count && failures > count)
        {
            return true;
        }

        return toleratedPercentage is { } percentage && total > 0 && failures * 100.0 / total > percentage;
    }

    private Frame CreateChild(Frame parent, int index, StateMachineDefinition machine, bool isolated, Func<int, JsonNode?> input, JsonEncodedText? startedEvent, JsonEncodedText stateName)
    {
        var variables = new VariableScope(isolated ? null : parent.Variables);
        if (run.RecoveredFrames is { } recovered && recovered.Remove(parent.ChildId(index), out var record))
        {
            var restored = new Frame(parent, index, machine, variables, null, record.EnteredAt);
            restored.RestoreFrom(record);
            return restored;
        }

        // The child's id (needed only by the journal) is built when first asked for; its EnteredAt is set when it
        // enters its first state, so no clock read here.
        var child = new Frame(parent, index, machine, variables, input(index), parent.EnteredAt)
        {
            LastEventId = parent.LastEventId,
        };
        if (startedEvent is { } started)
        {
            run.AddIterationEvent(child, started, stateName);
        }

        // Not snapshotted yet: a child reaches the journal at its first transition or before its first task or
        // timer, so a Map over synchronous states writes no per-item positions at all.
        return child;
    }

    /// <summary>
    /// Runs children with at most <paramref name="maxConcurrency"/> at a time (0: no limit). Children that never
    /// await finish inline, so a Map over synchronous states costs no task allocations. Once
    /// <paramref name="onCompleted"/> says so, no more children start and the running ones are cancelled.
    /// Children of a <paramref name="synchronous"/> machine (see <see cref="StateMachineDefinition.IsSynchronous"/>)
    /// always finish inline, one after the other, so none is ever running when another fails: they need no
    /// cancellation source of their own.
    /// </summary>
    private async ValueTask RunChildrenAsync(int count, int maxConcurrency, bool synchronous, Func<int, Frame> create, Func<Frame, bool> onCompleted, Action<Frame>? onAborted, CancellationToken cancellationToken)
    {
        using var siblings = synchronous ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var childToken = siblings?.Token ?? cancellationToken;
        List<(Frame Frame, Task Task)>? running = null;
        var abort = false;
        for (var i = 0; i < count && !abort; i++)
        {
            var child = create(i);
            if (child.Status != FrameStatus.Running)
            {
                abort = onCompleted(child);
                continue;
            }

            var pending = RunFrameAsync(child, childToken);
            if (pending.IsCompletedSuccessfully)
            {
                abort = onCompleted(child);
                continue;
            }

            running ??= [];
            running.Add((child, pending.AsTask()));
            if (maxConcurrency > 0 && running.Count >= maxConcurrency)
            {
                abort = await AwaitOneAsync(running, onCompleted, onAborted, cancellationToken);
            }
        }

        while (running is { Count: > 0 })
        {
            if (abort && siblings is not null)
            {
                await siblings.CancelAsync();
            }

            abort |= await AwaitOneAsync(running, onCompleted, onAborted, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private static async ValueTask<bool> AwaitOneAsync(List<(Frame Frame, Task Task)> running, Func<Frame, bool> onCompleted, Action<Frame>? onAborted, CancellationToken cancellationToken)
    {
        var done = running.Count == 1 ? running[0].Task : await Task.WhenAny(running.Select(r => r.Task));
        var index = running.FindIndex(r => r.Task == done);
        var (child, task) = running[index];
        running.RemoveAt(index);
        try
        {
            await task;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A sibling failed and this child was stopped.
            onAborted?.Invoke(child);
            return false;
        }

        return onCompleted(child);
    }

    private static JsonNode? Own(JsonNode? node) => node?.Parent is null ? node : node.DeepClone();
}

/// <summary>The Map iteration event types, encoded once (a Map writes two per item).</summary>
internal static class IterationEvents
{
    public static readonly JsonEncodedText Started = JsonEncodedText.Encode("MapIterationStarted");
    public static readonly JsonEncodedText Succeeded = JsonEncodedText.Encode("MapIterationSucceeded");
    public static readonly JsonEncodedText Aborted = JsonEncodedText.Encode("MapIterationAborted");
}
