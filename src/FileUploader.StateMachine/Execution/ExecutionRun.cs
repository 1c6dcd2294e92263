using System.Text.Json;
using FileUploader.StateMachine.Definition;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;

namespace FileUploader.StateMachine.Execution;

/// <summary>
/// One execution in memory: its record, its history, and the changes not yet journaled. Every event and frame
/// change goes through here under <see cref="_sync"/>, because Parallel branches and Map iterations append
/// concurrently once a task has made them asynchronous.
/// </summary>
internal sealed class ExecutionRun
{
    private static readonly CancellationTokenSource Cancelled = CreateCancelled();
    private static readonly JsonEncodedText InputProperty = JsonEncodedText.Encode("input");
    private static readonly JsonEncodedText InputDetailsProperty = JsonEncodedText.Encode("inputDetails");
    private static readonly JsonEncodedText TruncatedProperty = JsonEncodedText.Encode("truncated");
    private static readonly JsonEncodedText RoleArnProperty = JsonEncodedText.Encode("roleArn");
    private static readonly JsonEncodedText StateMachineArnProperty = JsonEncodedText.Encode("stateMachineArn");
    private static readonly JsonEncodedText ExecutionStartedType = JsonEncodedText.Encode("ExecutionStarted");

    private readonly Lock _sync = new();
    private readonly IExecutionJournal _journal;
    private readonly bool _durable;
    private readonly bool _snapshotsFrames;
    private readonly TimeProvider _time;
    private readonly HistoryLog _history;
    // Keyed by the frame itself (frames do not override Equals): no id string to build or hash per transition.
    private readonly Dictionary<Frame, FrameRecord>? _dirtyFrames;
    private readonly List<string>? _deletedFrames;

    // Made only when someone waits before the end: a synchronous start has usually finished when it asks, and every
    // object a finished execution keeps is copied by the collector as it ages (the engine keeps many).
    private TaskCompletionSource? _completion;
    private bool _ended;
    private bool _historyReleased;

    // Replaced by an already-cancelled source once the execution ends, for the same reason.
    private CancellationTokenSource _cancellation = new();
    private ExecutionRecord _record;
    private bool _recordDirty;
    private long _lastEventId;
    private bool _halted;

    /// <summary>The events a journaled MapIterationSucceeded/Failed follows (their iteration's last event).</summary>
    private HashSet<long>? _recoveredIterationEnds;

    public ExecutionRun(ExecutionRecord record, StateMachineDefinition definition, IExecutionJournal journal, TimeProvider time, IReadOnlyList<HistoryEvent>? history)
    {
        _record = record;
        Definition = definition;
        _journal = journal;
        _durable = journal.IsDurable;
        _snapshotsFrames = _durable && !definition.IsSynchronous;
        _history = new HistoryLog { SelfContainedBatches = _durable };
        if (_durable)
        {
            // Only a durable journal receives positions; an in-memory run (kept in memory after it ends) does without.
            _dirtyFrames = [];
            _deletedFrames = [];
        }

        _time = time;

        // A new execution (no history yet): its record is journaled with its first commit. Set here rather than under
        // the lock later: nobody else can see the run before the engine publishes it.
        _recordDirty = history is null;
        if (history is not null)
        {
            foreach (var e in history)
            {
                _history.AppendJournaled(e);
            }

            _lastEventId = history.Count == 0 ? 0 : history[^1].Id;
            foreach (var e in history)
            {
                if (e.Type is "MapIterationSucceeded" or "MapIterationFailed")
                {
                    (_recoveredIterationEnds ??= []).Add(e.PreviousEventId);
                }
            }
        }
    }

    /// <summary>
    /// True when the end event of <paramref name="child"/>, an iteration that had finished before a crash, is in the
    /// recovered history. It may not be: the end event is written after the iteration's own last commit and reaches
    /// the journal only with the next commit, which a crash can pre-empt.
    /// </summary>
    public bool IterationEndJournaled(Frame child) => _recoveredIterationEnds?.Contains(child.LastEventId) == true;

    public StateMachineDefinition Definition { get; }

    /// <summary>Cancelled when the execution stops (StopExecution, timeout) or the engine shuts down.</summary>
    public CancellationTokenSource Cancellation => Volatile.Read(ref _cancellation);

    /// <summary>Frames loaded from the journal at recovery, consumed as the runner reaches them.</summary>
    public Dictionary<string, FrameRecord>? RecoveredFrames { get; set; }

    /// <summary>The record as of now. Read without the lock: it is an immutable record, replaced whole under the lock.</summary>
    public ExecutionRecord Record => Volatile.Read(ref _record);

    public Task Completion
    {
        get
        {
            // A synchronous start asks once its run has ended: an ended run never runs again, so that needs no lock.
            if (Volatile.Read(ref _ended))
            {
                return Task.CompletedTask;
            }

            lock (_sync)
            {
                return _ended ? Task.CompletedTask : (_completion ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
    }

    public bool IsRunning => Record.Status == "RUNNING";

    /// <summary>
    /// True when frame positions are journaled as the run goes (see <see cref="MarkDirty"/>): a durable journal and
    /// a machine that can await. A run of a synchronous machine (<see cref="StateMachineDefinition.IsSynchronous"/>)
    /// commits nothing between its start and its end, and its end removes every position, so positions taken on
    /// the way would never be written: recovery restarts such a run from its journaled start, as it must anyway.
    /// </summary>
    public bool SnapshotsFrames => _snapshotsFrames;

    /// <summary>The history so far; null once the engine stopped retaining the execution (see <see cref="ReleaseHistory"/>).</summary>
    public IReadOnlyList<HistoryEvent>? SnapshotHistory()
    {
        byte[] packed;
        lock (_sync)
        {
            if (_historyReleased)
            {
                return null;
            }

            packed = _history.PackAll();
        }

        var events = new List<HistoryEvent>();
        HistoryEventPacking.Unpack(packed, events);
        return events;
    }

    /// <summary>Appends an event for <paramref name="frame"/> (chaining previousEventId within that frame).</summary>
    public long AddEvent(Frame? frame, string type, EventDetails? details)
    {
        lock (_sync)
        {
            ThrowIfHalted();
            var id = ++_lastEventId;
            var writer = _history.BeginEvent(id, frame?.LastEventId ?? id - 1, _time.GetUtcNow(), type);
            try
            {
                if (details is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    details.WriteTo(writer);
                }

                _history.EndEvent(writer);
            }
            catch
            {
                _history.AbandonEvent();
                _lastEventId--;
                throw;
            }

            if (frame is not null)
            {
                frame.LastEventId = id;
            }

            return id;
        }
    }

    /// <summary>
    /// Appends the ExecutionStarted event, <c>{"input", "inputDetails", "roleArn", "stateMachineArn"}</c> as
    /// <see cref="EventDetails.WriteTo"/> writes them, at <paramref name="timestamp"/> (the execution's start date). The
    /// ARNs come encoded once per state machine: escaping them was a visible share of a short execution.
    /// </summary>
    public void AddExecutionStarted(Frame top, string input, JsonEncodedText roleArn, JsonEncodedText stateMachineArn, DateTimeOffset timestamp)
    {
        lock (_sync)
        {
            ThrowIfHalted();
            var id = ++_lastEventId;
            if (StateEventDetails.TryQuoteInput(input, top, top.Input, out var quotedInput))
            {
                // The usual input, printable ASCII, is quoted straight into the history (and, when compact, becomes
                // the first state's Entered text): the writer's escaping of it was a visible share of a short execution.
                _history.AppendExecutionStarted(id, top.LastEventId, timestamp, quotedInput, roleArn, stateMachineArn);
                top.LastEventId = id;
                return;
            }

            var writer = _history.BeginEvent(id, top.LastEventId, timestamp, ExecutionStartedType);
            writer.WriteStartObject();
            writer.WriteString(InputProperty, input);
            writer.WriteStartObject(InputDetailsProperty);
            writer.WriteBoolean(TruncatedProperty, false);
            writer.WriteEndObject();
            writer.WriteString(RoleArnProperty, roleArn);
            writer.WriteString(StateMachineArnProperty, stateMachineArn);
            writer.WriteEndObject();
            _history.EndEvent(writer);
            top.LastEventId = id;
        }
    }

    /// <summary>
    /// Appends a Map iteration's Started/Succeeded/Aborted event, <c>{"name", "index"}</c> as
    /// <see cref="EventDetails.WriteTo"/> writes it, without an <see cref="EventDetails"/> per iteration (see
    /// <see cref="HistoryLog.AppendIterationEvent"/>).
    /// </summary>
    public void AddIterationEvent(Frame child, JsonEncodedText type, JsonEncodedText name)
    {
        lock (_sync)
        {
            ThrowIfHalted();
            var id = ++_lastEventId;
            _history.AppendIterationEvent(id, child.LastEventId, _time.GetUtcNow(), type, name, child.Index);
            child.LastEventId = id;
        }
    }

    /// <summary>
    /// Appends a state's Entered (<paramref name="isInput"/>) or Exited event. The document is rendered into the
    /// history now, as text when the caller already has it (<paramref name="json"/>), else from <paramref name="node"/>.
    /// </summary>
    public void AddStateEvent(Frame frame, JsonEncodedText type, JsonEncodedText name, bool isInput, string? json, DocNode? node, DateTimeOffset timestamp)
    {
        // An Exited event's document is the frame's input as the state changed it (see Frame.InputEdit).
        var edit = isInput || !ReferenceEquals(node, frame.Input) ? InputEdit.Rewritten : frame.InputEdit;
        lock (_sync)
        {
            ThrowIfHalted();
            var id = ++_lastEventId;
            var step = isInput ? frame.Step : frame.Step + 1;
            if (json is null)
            {
                // The hot path: the document's text is this thread's escaped rendering, so the event is copied
                // straight into the history (see HistoryLog.AppendStateEvent) instead of going through a writer.
                long referencedId;
                ReadOnlySpan<byte> text;
                try
                {
                    referencedId = StateEventDetails.Prepare(isInput, node, frame, step, id, _history, edit, frame.AppendedName, out text);
                }
                catch
                {
                    // A document that cannot be written as JSON (the state fails for it); nothing was written.
                    StateEventDetails.Forget();
                    _lastEventId--;
                    throw;
                }

                _history.AppendStateEvent(id, frame.LastEventId, timestamp, type, name, isInput, text, referencedId);
                frame.LastEventId = id;
                return;
            }

            var writer = _history.BeginEvent(id, frame.LastEventId, timestamp, type);
            try
            {
                // An output becomes the input of the frame's next step (see Frame.MoveTo).
                var exitedId = StateEventDetails.Write(writer, name, isInput, json, node, frame, step, id, _history, edit, frame.AppendedName);
                if (exitedId != 0)
                {
                    writer.WriteNumberValue(exitedId);
                }

                _history.EndEvent(writer);
            }
            catch
            {
                // A document that cannot be written as JSON (the state fails for it); the history stays well-formed.
                _history.AbandonEvent();
                StateEventDetails.Forget();
                _lastEventId--;
                throw;
            }

            frame.LastEventId = id;
        }
    }

    /// <summary>
    /// Records that <paramref name="frame"/> changed. Called by the frame's own runner, so the snapshot is
    /// consistent even when another frame's runner commits concurrently.
    /// </summary>
    public void MarkDirty(Frame frame)
    {
        if (_snapshotsFrames)
        {
            MarkDirtyCore(frame);
        }
    }

    /// <summary>Records the top frame's starting position, which the first commit journals with the execution.</summary>
    public void MarkStarted(Frame top)
    {
        if (_durable)
        {
            MarkDirtyCore(top);
        }
    }

    private void MarkDirtyCore(Frame frame)
    {
        var snapshot = frame.ToRecord();
        lock (_sync)
        {
            ThrowIfHalted();
            _dirtyFrames![frame] = snapshot;
        }
    }

    /// <summary>Forgets finished child frames once their parent moved on (null entries: children never started).</summary>
    public void RemoveFrames(Frame?[] frames)
    {
        if (!_durable)
        {
            // Nothing of them was ever recorded (see MarkDirty).
            return;
        }

        lock (_sync)
        {
            foreach (var frame in frames)
            {
                if (frame is null)
                {
                    continue;
                }

                _dirtyFrames!.Remove(frame);
                if (frame.Persisted)
                {
                    _deletedFrames!.Add(frame.Id);
                }
            }
        }
    }

    /// <summary>Journals everything pending in one batch. Nothing that depends on it may happen before this returns.</summary>
    public void Commit()
    {
        lock (_sync)
        {
            ThrowIfHalted();
            CommitLocked(deleteAllFrames: false);
        }
    }

    /// <summary>
    /// Ends the execution with the output of its <paramref name="top"/> frame (once): as <see cref="TryFinish"/> with
    /// an ExecutionSucceeded event, whose document is usually the text the frame's last Exited event was just given,
    /// so it is not rendered and escaped again (for a Map, the whole result array).
    /// </summary>
    public bool TrySucceed(Frame top) => TryFinishCore(top, "SUCCEEDED", "ExecutionSucceeded", details: null, output: null, error: null, cause: null);

    /// <summary>Ends the execution (once): status, final event, journal. False when it had already ended.</summary>
    public bool TryFinish(Frame? frame, string status, string eventType, EventDetails details, string? output, string? error, string? cause) =>
        TryFinishCore(frame, status, eventType, details, output, error, cause);

    /// <summary>With no <paramref name="details"/>: succeeded with <paramref name="frame"/>'s output.</summary>
    private bool TryFinishCore(Frame? frame, string status, string eventType, EventDetails? details, string? output, string? error, string? cause)
    {
        TaskCompletionSource? completion;
        lock (_sync)
        {
            if (_halted || _record.Status != "RUNNING")
            {
                return false;
            }

            var now = _time.GetUtcNow();
            var id = ++_lastEventId;
            var previousEventId = frame?.LastEventId ?? id - 1;
            if (details is null && StateEventDetails.TryAppendLastOutput(_history, id, previousEventId, now, frame!, frame!.Step + 1, frame.Output, out var lastOutput))
            {
                output = frame.RenderedOutputJson ?? lastOutput;
            }
            else
            {
                var writer = _history.BeginEvent(id, previousEventId, now, eventType);
                if (details is not null)
                {
                    details.WriteTo(writer);
                }
                else
                {
                    output = frame!.OutputJson;
                    new EventDetails { Output = output }.WriteTo(writer);
                }

                _history.EndEvent(writer);
            }

            Volatile.Write(ref _record, _record with { Status = status, StopDate = now, Output = output, Error = error, Cause = cause });
            _recordDirty = true;
            _dirtyFrames?.Clear();
            _deletedFrames?.Clear();
            CommitLocked(deleteAllFrames: true);
            _halted = true;
            if (Finished is null)
            {
                // Nobody takes the history over (see EndedHistory): keep it in exactly its size.
                _history.Seal();
            }

            // Released after the record above: a reader that sees the end without the lock (Completion) sees that record.
            Volatile.Write(ref _ended, true);
            completion = _completion;
            _completion = null;
        }

        completion?.TrySetResult();
        var cancellation = Cancellation;
        cancellation.Cancel();
        Volatile.Write(ref _cancellation, Cancelled);
        Finished?.Invoke(this);
        return true;
    }

    /// <summary>
    /// The engine no longer keeps this finished execution: its history's memory is given back for reuse. Readers that
    /// still hold the run get null from <see cref="SnapshotHistory"/>, as if they had not found it.
    /// </summary>
    public void ReleaseHistory()
    {
        lock (_sync)
        {
            if (_ended && !_historyReleased)
            {
                _historyReleased = true;
                _history.Release();
            }
        }
    }

    /// <summary>
    /// The whole history of an ended execution as <see cref="HistoryLog.Written"/> holds it, and its event count, for
    /// the engine to keep elsewhere before it calls <see cref="ReleaseHistory"/>. Read outside the lock: an ended
    /// history no longer changes, and only that release (by the same caller) gives its memory back. One call for
    /// both, so a finished run takes the lock once here instead of once per value (each lock round trip is a visible
    /// share of a short execution).
    /// </summary>
    public ReadOnlySpan<byte> TakeEndedHistory(out int eventCount)
    {
        lock (_sync)
        {
            if (!_ended || _historyReleased)
            {
                throw new InvalidOperationException("Only the history of an ended execution not yet let go can be taken.");
            }

            eventCount = _history.Count;
            return _history.Written;
        }
    }

    /// <summary>
    /// Called once when the execution ends (the engine uses it to bound what it keeps in memory). With it set, the
    /// history is not sealed: the callee takes it (<see cref="EndedHistory"/>) and then releases it.
    /// </summary>
    public Action<ExecutionRun>? Finished { get; set; }

    public int EventCount
    {
        get
        {
            lock (_sync)
            {
                return _history.Count;
            }
        }
    }

    /// <summary>The engine is shutting down: stop writing, as a crash would, so recovery sees the last commit.</summary>
    public void Halt()
    {
        lock (_sync)
        {
            _halted = true;
        }

        Cancellation.Cancel();
    }

    private void CommitLocked(bool deleteAllFrames)
    {
        if (_dirtyFrames is null || _deletedFrames is null)
        {
            // Not durable: nothing could be recovered from a journal that dies with the process; the history lives in _history.
            _history.MarkJournaled();
            _recordDirty = false;
            return;
        }

        if (!_recordDirty && !_history.HasPending && _dirtyFrames.Count == 0 && _deletedFrames.Count == 0)
        {
            return;
        }

        var frames = new List<FrameRecord>(_dirtyFrames.Count);
        foreach (var (frame, snapshot) in _dirtyFrames)
        {
            frames.Add(snapshot);
            frame.Persisted = true;
        }

        byte[]? packed = null;
        long firstEventId = 0;
        IReadOnlyList<HistoryEvent> events = [];
        if (_history.HasPending)
        {
            (packed, firstEventId) = _history.PackPending();
            events = new PackedHistoryEvents(packed);
        }

        var batch = new ExecutionBatch(
            _record.Arn,
            _recordDirty ? _record : null,
            events,
            frames,
            _deletedFrames.ToArray(),
            deleteAllFrames)
        {
            PackedEvents = packed,
            FirstPackedEventId = firstEventId,
        };
        _journal.Write(batch);
        _history.MarkJournaled();
        _dirtyFrames.Clear();
        _deletedFrames.Clear();
        _recordDirty = false;
    }

    private static CancellationTokenSource CreateCancelled()
    {
        var source = new CancellationTokenSource();
        source.Cancel();
        return source;
    }

    private void ThrowIfHalted()
    {
        if (_halted)
        {
            throw new OperationCanceledException("The execution is no longer running.");
        }
    }
}
