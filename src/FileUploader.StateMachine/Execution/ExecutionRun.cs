using System.Text.Json.Nodes;
using FileUploader.StateMachine.Definition;
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
    private readonly Lock _sync = new();
    private readonly IExecutionJournal _journal;
    private readonly bool _durable;
    private readonly TimeProvider _time;
    private readonly List<HistoryEvent> _history;
    private readonly List<HistoryEvent> _pendingEvents = [];
    private readonly Dictionary<string, (Frame Frame, FrameRecord Snapshot)> _dirtyFrames = new(StringComparer.Ordinal);
    private readonly List<string> _deletedFrames = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ExecutionRecord _record;
    private bool _recordDirty;
    private long _lastEventId;
    private bool _halted;

    public ExecutionRun(ExecutionRecord record, StateMachineDefinition definition, IExecutionJournal journal, TimeProvider time, IReadOnlyList<HistoryEvent>? history)
    {
        _record = record;
        Definition = definition;
        _journal = journal;
        _durable = journal.IsDurable;
        _time = time;
        _history = history is null ? [] : [.. history];
        _lastEventId = _history.Count == 0 ? 0 : _history[^1].Id;
    }

    public StateMachineDefinition Definition { get; }

    /// <summary>Cancelled when the execution stops (StopExecution, timeout) or the engine shuts down.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Frames loaded from the journal at recovery, consumed as the runner reaches them.</summary>
    public Dictionary<string, FrameRecord>? RecoveredFrames { get; set; }

    public ExecutionRecord Record
    {
        get
        {
            lock (_sync)
            {
                return _record;
            }
        }
    }

    public Task Completion => _completion.Task;

    public bool IsRunning => Record.Status == "RUNNING";

    public IReadOnlyList<HistoryEvent> SnapshotHistory()
    {
        lock (_sync)
        {
            return [.. _history];
        }
    }

    /// <summary>Appends an event for <paramref name="frame"/> (chaining previousEventId within that frame).</summary>
    public long AddEvent(Frame? frame, string type, EventDetails? details)
    {
        lock (_sync)
        {
            ThrowIfHalted();
            var previous = frame?.LastEventId ?? _lastEventId;
            var id = ++_lastEventId;
            var e = new HistoryEvent(id, previous, _time.GetUtcNow(), type, details);
            _history.Add(e);
            if (_durable)
            {
                // A journal that cannot outlive the process never receives events (see CommitLocked).
                _pendingEvents.Add(e);
            }

            if (frame is not null)
            {
                frame.LastEventId = id;
            }

            return id;
        }
    }

    /// <summary>
    /// Records that <paramref name="frame"/> changed. Called by the frame's own runner, so the snapshot is
    /// consistent even when another frame's runner commits concurrently.
    /// </summary>
    public void MarkDirty(Frame frame)
    {
        if (!_durable)
        {
            return;
        }

        var snapshot = frame.ToRecord();
        lock (_sync)
        {
            ThrowIfHalted();
            _dirtyFrames[frame.Id] = (frame, snapshot);
        }
    }

    /// <summary>Forgets finished child frames once their parent moved on.</summary>
    public void RemoveFrames(IEnumerable<Frame> frames)
    {
        lock (_sync)
        {
            foreach (var frame in frames)
            {
                _dirtyFrames.Remove(frame.Id);
                if (frame.Persisted)
                {
                    _deletedFrames.Add(frame.Id);
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

    /// <summary>Ends the execution (once): status, final event, journal. False when it had already ended.</summary>
    public bool TryFinish(Frame? frame, string status, string eventType, EventDetails details, string? output, string? error, string? cause)
    {
        lock (_sync)
        {
            if (_halted || _record.Status != "RUNNING")
            {
                return false;
            }

            var now = _time.GetUtcNow();
            var id = ++_lastEventId;
            var e = new HistoryEvent(id, frame?.LastEventId ?? id - 1, now, eventType, details);
            _history.Add(e);
            _pendingEvents.Add(e);
            _record = _record with { Status = status, StopDate = now, Output = output, Error = error, Cause = cause };
            _recordDirty = true;
            _dirtyFrames.Clear();
            _deletedFrames.Clear();
            CommitLocked(deleteAllFrames: true);
            _halted = true;
        }

        _completion.TrySetResult();
        Cancellation.Cancel();
        Finished?.Invoke(this);
        return true;
    }

    /// <summary>Called once when the execution ends (the engine uses it to bound what it keeps in memory).</summary>
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

    public void StartRecord()
    {
        lock (_sync)
        {
            _recordDirty = true;
        }
    }

    private void CommitLocked(bool deleteAllFrames)
    {
        if (!_durable)
        {
            // Nothing could be recovered from a journal that dies with the process; the history lives in _history.
            _pendingEvents.Clear();
            _recordDirty = false;
            return;
        }

        if (!_recordDirty && _pendingEvents.Count == 0 && _dirtyFrames.Count == 0 && _deletedFrames.Count == 0)
        {
            return;
        }

        var frames = new List<FrameRecord>(_dirtyFrames.Count);
        foreach (var (frame, snapshot) in _dirtyFrames.Values)
        {
            frames.Add(snapshot);
            frame.Persisted = true;
        }

        var batch = new ExecutionBatch(
            _record.Arn,
            _recordDirty ? _record : null,
            _pendingEvents.ToArray(),
            frames,
            _deletedFrames.ToArray(),
            deleteAllFrames);
        _journal.Write(batch);
        _pendingEvents.Clear();
        _dirtyFrames.Clear();
        _deletedFrames.Clear();
        _recordDirty = false;
    }

    private void ThrowIfHalted()
    {
        if (_halted)
        {
            throw new OperationCanceledException("The execution is no longer running.");
        }
    }
}
