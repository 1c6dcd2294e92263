using System.Buffers;
using System.Text.Json;
using FileUploader.StateMachine.Definition;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Language;

namespace FileUploader.StateMachine.Execution;

/// <summary>Parallel and Map: child frames, bounded concurrency, failure tolerance and their history events.</summary>
internal sealed partial class Interpreter
{
    private async ValueTask RunParallelAttemptAsync(Frame frame, ParallelState state, StateScope scope, CancellationToken cancellationToken)
    {
        var effective = SelectPath(state.InputPath, frame.Input, scope, "InputPath", state.InputPathQuery);
        if (state.ParametersTemplate is { } parameters)
        {
            effective = parameters.Apply(scope.Ctx(effective));
        }

        if (frame.Phase < 2)
        {
            run.AddEvent(frame, "ParallelStateStarted", null);
            frame.Phase = 2;
            run.MarkDirty(frame);
        }

        var branches = state.Branches;
        var children = new Frame[branches.Count];
        Frame? firstFailure = null;
        var texts = AllSynchronous(branches) ? new ChildTexts() : null;
        try
        {
            if (texts is not null)
            {
                // Entering the Parallel state left its input's text with this thread (unless InputPath or Parameters chose another document).
                texts.TakeInput(frame, ReferenceEquals(effective, frame.Input));
                firstFailure = await RunBranchesInOrderAsync(frame, state, effective, children, texts, cancellationToken);
            }
            else
            {
                await RunChildrenAsync(
                    branches.Count,
                    maxConcurrency: 0,
                    synchronous: false,
                    index => children[index] = CreateChild(frame, index, branches[index], isolated: false, _ => effective?.DeepClone(), startedEvent: null, state.NameText),
                    child =>
                    {
                        firstFailure ??= child.Status == FrameStatus.Failed ? child : null;
                        return firstFailure is not null;
                    },
                    onAborted: null,
                    cancellationToken);
            }

            run.RemoveFrames(children);
            if (firstFailure is not null)
            {
                run.AddEvent(frame, "ParallelStateFailed", new EventDetails { Error = firstFailure.Error, Cause = firstFailure.Cause, HasError = true });
                frame.Phase = 1;
                throw new StatesException(firstFailure.Error ?? StatesErrors.BranchFailed, firstFailure.Cause ?? "A branch of the Parallel state failed.");
            }

            // One at a time: Own sees whether an earlier branch's output already went into the array.
            var results = new DocArray();
            foreach (var child in children)
            {
                results.Add(Own(child.Output));
            }

            run.AddEvent(frame, "ParallelStateSucceeded", null);
            texts?.GiveResult(frame, results);
            CompleteWithResult(frame, state, scope, results);
        }
        finally
        {
            texts?.Dispose();
        }
    }

    /// <summary>
    /// Runs the branches of a Parallel whose branches never await one after another on this thread, each to its end,
    /// until one fails (answered; the later ones never start, as with <see cref="RunChildrenAsync"/>). Nothing else
    /// runs on the thread meanwhile, so <paramref name="texts"/> can hand each branch the Parallel's input text and
    /// collect the branches' output texts (see <see cref="ChildTexts"/>).
    /// </summary>
    private async ValueTask<Frame?> RunBranchesInOrderAsync(Frame frame, ParallelState state, DocNode? effective, Frame[] children, ChildTexts texts, CancellationToken cancellationToken)
    {
        for (var i = 0; i < children.Length; i++)
        {
            var child = RestoreChild(frame, i, state.Branches[i], isolated: false);
            var isNew = child is null;
            child ??= NewChild(frame, i, state.Branches[i], isolated: false, effective?.DeepClone(), startedEvent: null, state.NameText);
            children[i] = child;
            if (child.Status == FrameStatus.Running)
            {
                if (isNew)
                {
                    texts.GiveInput(child);
                }

                await RunFrameAsync(child, cancellationToken);
            }

            if (child.Status == FrameStatus.Failed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return child;
            }

            texts.AddOutput(child);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return null;
    }

    private async ValueTask RunMapAttemptAsync(Frame frame, MapState state, StateScope scope, CancellationToken cancellationToken)
    {
        var effective = SelectPath(state.InputPath, frame.Input, scope, "InputPath", state.InputPathQuery);
        var ctx = scope.Ctx(effective);
        DocNode? itemsNode;
        if (state.ItemsPath is null or "$")
        {
            itemsNode = effective;
        }
        else if (!ReferencePath.Parse(state.ItemsPath).TryGet(ctx, out itemsNode))
        {
            throw new StatesException(StatesErrors.Runtime, $"The ItemsPath '{state.ItemsPath}' could not be found in the input '{JsonValues.ToJsonText(effective)}'");
        }

        if (itemsNode is not DocArray items)
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
        Func<int, DocNode?> itemInput = index => ItemInput(frame, state, scope, effective, items[index], index);
        var failures = 0;
        Frame? firstFailure = null;
        var exceeded = false;

        // Iterations that never await run one after another on this thread: the result array's text can be their output texts joined.
        var texts = state.Processor.IsSynchronous ? new ChildTexts() : null;
        try
        {
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
                        texts?.AddOutput(child);
                        if (!child.FinishedBeforeRecovery || !run.IterationEndJournaled(child))
                        {
                            run.AddIterationEvent(child, IterationEvents.Succeeded, state.NameText);
                        }

                        return false;
                    }

                    // A tolerated failure puts an error object in the array, which no iteration's event showed.
                    texts?.Forgo();
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

            var results = new DocArray();
            foreach (var child in children)
            {
                results.Add(child.Status == FrameStatus.Succeeded
                    ? Own(child.Output)
                    : new DocObject { ["Error"] = child.Error, ["Cause"] = child.Cause });
            }

            run.AddEvent(frame, "MapStateSucceeded", null);
            texts?.GiveResult(frame, results);
            CompleteWithResult(frame, state, scope, results);
        }
        finally
        {
            texts?.Dispose();
        }
    }

    private DocNode? ItemInput(Frame frame, MapState state, StateScope scope, DocNode? effective, DocNode? item, int index)
    {
        if (state.ItemSelector is null)
        {
            return item?.DeepClone();
        }

        // $$.Map.Item.Index/Value exist only while the ItemSelector is evaluated (AWS's context object for Map).
        var context = scope.Context?.DeepClone() as DocObject ?? (state.UsesContext ? BuildContext(frame, state) : null);
        if (context is not null)
        {
            context["Map"] = new DocObject { ["Item"] = new DocObject { ["Index"] = index, ["Value"] = item?.DeepClone() } };
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

    private Frame CreateChild(Frame parent, int index, StateMachineDefinition machine, bool isolated, Func<int, DocNode?> input, JsonEncodedText? startedEvent, JsonEncodedText stateName) =>
        RestoreChild(parent, index, machine, isolated) ?? NewChild(parent, index, machine, isolated, input(index), startedEvent, stateName);

    /// <summary>The child as the journal had it when the execution was recovered; null when it had not started then.</summary>
    private Frame? RestoreChild(Frame parent, int index, StateMachineDefinition machine, bool isolated)
    {
        if (run.RecoveredFrames is not { } recovered || !recovered.Remove(parent.ChildId(index), out var record))
        {
            return null;
        }

        var restored = new Frame(parent, index, machine, new VariableScope(isolated ? null : parent.Variables), null, record.EnteredAt);
        restored.RestoreFrom(record);
        return restored;
    }

    private Frame NewChild(Frame parent, int index, StateMachineDefinition machine, bool isolated, DocNode? input, JsonEncodedText? startedEvent, JsonEncodedText stateName)
    {
        // The child's id (needed only by the journal) is built when first asked for; its EnteredAt is set when it
        // enters its first state, so no clock read here.
        var child = new Frame(parent, index, machine, new VariableScope(isolated ? null : parent.Variables), input, parent.EnteredAt)
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

    /// <summary>As <see cref="ParallelState.BranchesAreSynchronous"/>, without an enumerator per visit.</summary>
    private static bool AllSynchronous(IReadOnlyList<StateMachineDefinition> branches)
    {
        for (var i = 0; i < branches.Count; i++)
        {
            if (!branches[i].IsSynchronous)
            {
                return false;
            }
        }

        return true;
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

    private static DocNode? Own(DocNode? node) => node?.Parent is null ? node : node.DeepClone();
}

/// <summary>The Map iteration event types, encoded once (a Map writes two per item).</summary>
internal static class IterationEvents
{
    public static readonly JsonEncodedText Started = JsonEncodedText.Encode("MapIterationStarted");
    public static readonly JsonEncodedText Succeeded = JsonEncodedText.Encode("MapIterationSucceeded");
    public static readonly JsonEncodedText Aborted = JsonEncodedText.Encode("MapIterationAborted");
}

/// <summary>
/// The texts a Parallel of synchronous branches or a Map of synchronous iterations hands on between history events
/// (see <see cref="StateEventDetails.Remember"/>): a Parallel's input text, which every branch's first Entered event
/// shows, and the result array's text, the children's output texts joined in order, which the state's Exited event
/// and the execution's end show. Each would otherwise be rendered from the document and escaped again. Buffers are
/// rented and given back by <see cref="Dispose"/>; whatever is not known is simply rendered as before.
/// </summary>
internal sealed class ChildTexts : IDisposable
{
    private byte[]? _input;
    private int _inputLength;
    private byte[]? _result;
    private int _resultLength;
    private bool _resultBroken;

    /// <summary>Keeps the text of <paramref name="frame"/>'s input as its current state's Entered event left it, if the branches get that document.</summary>
    public void TakeInput(Frame frame, bool branchesGetThisInput)
    {
        if (branchesGetThisInput && StateEventDetails.TryGetText(frame, frame.Step, frame.Input, out var text))
        {
            _input = ArrayPool<byte>.Shared.Rent(Math.Max(text.Length, 1));
            text.CopyTo(_input);
            _inputLength = text.Length;
        }
    }

    /// <summary>A new branch is about to run: its input (a copy of the Parallel's) has the same text.</summary>
    public void GiveInput(Frame child)
    {
        if (_input is not null)
        {
            StateEventDetails.Remember(child, child.Step, child.Input, _input.AsSpan(0, _inputLength));
        }
    }

    /// <summary>The array will hold something no child's event showed: it is rendered as before.</summary>
    public void Forgo() => _resultBroken = true;

    /// <summary>A child succeeded: its output's text, which its last Exited event just left with this thread, joins the array's.</summary>
    public void AddOutput(Frame child)
    {
        if (_resultBroken)
        {
            return;
        }

        if (!StateEventDetails.TryGetText(child, child.Step + 1, child.Output, out var text))
        {
            _resultBroken = true;
            return;
        }

        Append(text.Length + 1, _resultLength == 0 ? (byte)'[' : (byte)',', text);
    }

    /// <summary>Hands on the array's text as the text of <paramref name="results"/>, the output of <paramref name="frame"/>'s current state.</summary>
    public void GiveResult(Frame frame, DocArray results)
    {
        if (_resultBroken)
        {
            return;
        }

        if (_result is null)
        {
            // No children: "[]".
            Append(1, (byte)'[', default);
        }

        Append(1, (byte)']', default);
        StateEventDetails.Remember(frame, frame.Step + 1, results, _result.AsSpan(0, _resultLength));
    }

    public void Dispose()
    {
        if (_input is not null)
        {
            ArrayPool<byte>.Shared.Return(_input);
            _input = null;
        }

        if (_result is not null)
        {
            ArrayPool<byte>.Shared.Return(_result);
            _result = null;
        }
    }

    private void Append(int length, byte separator, ReadOnlySpan<byte> text)
    {
        if (_result is null || _result.Length - _resultLength < length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(256, (_resultLength + length) * 2));
            if (_result is not null)
            {
                _result.AsSpan(0, _resultLength).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(_result);
            }

            _result = grown;
        }

        _result[_resultLength] = separator;
        text.CopyTo(_result.AsSpan(_resultLength + 1));
        _resultLength += length;
    }
}
