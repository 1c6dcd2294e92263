using FileUploader.StateMachine.History;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// A journal held in memory, for tests and benchmarks. By default it keeps only state machines: the engine holds
/// executions and their history itself and skips all per-transition writes, which is what makes the in-memory
/// mode fast. With <paramref name="keepPositions"/> it records everything the SQLite journal does, and a second
/// engine given the same instance recovers from it exactly as it would from a file.
/// </summary>
public sealed class InMemoryExecutionJournal(bool keepPositions = false) : IExecutionJournal
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, StateMachineRecord> _stateMachines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ExecutionRecord> _executions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<HistoryEvent>> _history = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, FrameRecord>> _frames = new(StringComparer.Ordinal);

    public bool IsDurable => keepPositions;

    public void SaveStateMachine(StateMachineRecord stateMachine)
    {
        lock (_sync)
        {
            _stateMachines[stateMachine.Arn] = stateMachine;
        }
    }

    public void DeleteStateMachine(string stateMachineArn)
    {
        lock (_sync)
        {
            _stateMachines.Remove(stateMachineArn);
        }
    }

    public void Write(ExecutionBatch batch)
    {
        lock (_sync)
        {
            if (batch.Execution is { } execution)
            {
                _executions[execution.Arn] = execution;
            }

            if (batch.Events.Count > 0)
            {
                if (!_history.TryGetValue(batch.ExecutionArn, out var events))
                {
                    _history[batch.ExecutionArn] = events = [];
                }

                events.AddRange(batch.Events);
            }

            if (batch.DeleteAllFrames)
            {
                _frames.Remove(batch.ExecutionArn);
                return;
            }

            if (batch.Frames.Count == 0 && batch.DeletedFrames.Count == 0)
            {
                return;
            }

            if (!_frames.TryGetValue(batch.ExecutionArn, out var frames))
            {
                _frames[batch.ExecutionArn] = frames = new Dictionary<string, FrameRecord>(StringComparer.Ordinal);
            }

            foreach (var id in batch.DeletedFrames)
            {
                frames.Remove(id);
            }

            foreach (var frame in batch.Frames)
            {
                frames[frame.Id] = frame;
            }
        }
    }

    public IReadOnlyList<StateMachineRecord> LoadStateMachines()
    {
        lock (_sync)
        {
            return [.. _stateMachines.Values];
        }
    }

    public IReadOnlyList<ExecutionRecord> LoadExecutions()
    {
        lock (_sync)
        {
            return [.. _executions.Values];
        }
    }

    public IReadOnlyList<ExecutionRecord> LoadRunningExecutions()
    {
        lock (_sync)
        {
            return [.. _executions.Values.Where(e => e.Status == "RUNNING")];
        }
    }

    public IReadOnlyList<ExecutionSummary> LoadExecutionSummaries(string stateMachineArn, string? status, int limit)
    {
        lock (_sync)
        {
            return [.. _executions.Values
                .Where(e => e.StateMachineArn == stateMachineArn && (status is null || e.Status == status))
                .OrderByDescending(e => e.StartDate)
                .ThenBy(e => e.Name, StringComparer.Ordinal)
                .Take(limit)
                .Select(ExecutionSummary.Of)];
        }
    }

    public ExecutionRecord? LoadExecution(string executionArn)
    {
        lock (_sync)
        {
            return _executions.GetValueOrDefault(executionArn);
        }
    }

    public IReadOnlyList<HistoryEvent> LoadHistory(string executionArn)
    {
        lock (_sync)
        {
            return _history.TryGetValue(executionArn, out var events) ? [.. events] : [];
        }
    }

    public IReadOnlyList<FrameRecord> LoadFrames(string executionArn)
    {
        lock (_sync)
        {
            return _frames.TryGetValue(executionArn, out var frames) ? [.. frames.Values] : [];
        }
    }
}
