using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FileUploader.StateMachine.Definition;
using FileUploader.StateMachine.Diagnostics;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.Execution;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FileUploader.StateMachine.Service;

/// <summary>
/// The local Step Functions: state machines, executions and their histories, journaled to an
/// <see cref="IExecutionJournal"/> before anything is acted on. Call <see cref="RecoverAsync"/> once at startup
/// to load the journal and resume the executions that were running. The journal belongs to the caller.
/// </summary>
public sealed class WorkflowEngine : IStepFunctions, IAsyncDisposable
{
    private const int MaxInputBytes = 256 * 1024;

    private readonly EngineOptions _options;
    private readonly IExecutionJournal _journal;
    private readonly TimeProvider _time;
    private readonly EngineServices _services;
    private readonly EngineLog _log;
    private readonly Lock _startLock = new();
    private readonly ConcurrentDictionary<string, StateMachineEntry> _stateMachines = new(StringComparer.Ordinal);
    // Running executions. Finished ones move to _retained (see Retain).
    private readonly ConcurrentDictionary<string, ExecutionRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, bool> _active = new();
    private readonly ConcurrentDictionary<string, StateMachineDefinition> _definitionCache = new(StringComparer.Ordinal);
    private readonly Lock _retentionLock = new();

    // Finished executions, as bytes the collector does not trace (see Retain), guarded by _retentionLock. With an
    // in-memory journal it holds each one's record and history, the only copy, up to
    // EngineOptions.MaxRetainedHistoryEvents; older ones are forgotten. With a durable journal it holds only the records
    // of the executions that finished last in this process (EngineOptions.MaxRetainedRecords), in front of the journal,
    // which holds every record and history and answers for the others.
    private readonly RetainedExecutions _retained = new();
    private readonly Action<ExecutionRun> _retain;
    private volatile bool _disposed;

    public WorkflowEngine(EngineOptions options, ITaskDispatcher dispatcher, IExecutionJournal journal, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _journal = journal;
        _time = timeProvider;
        _log = new EngineLog((loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("FileUploader.StateMachine"));
        _services = new EngineServices(options, dispatcher, timeProvider, this, _log);
        _retain = Retain;
    }

    /// <summary>Loads state machines and executions from the journal and resumes every RUNNING execution where it stopped.</summary>
    public Task RecoverAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var stateMachine in _journal.LoadStateMachines())
        {
            if (ParseCached(stateMachine.Definition) is { } definition)
            {
                _stateMachines[stateMachine.Arn] = NewEntry(stateMachine, definition);
            }
        }

        // Only the running ones: finished executions stay in the journal, which answers for them when asked (see
        // TryGetFinished), so memory does not grow with every execution a journal ever held.
        var resumed = 0;
        foreach (var record in _journal.LoadRunningExecutions())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_runs.ContainsKey(record.Arn) || IsRetained(record.Arn))
            {
                continue;
            }

            try
            {
                Resume(record);
                resumed++;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                _log.RecoveryFailed(ex, record.Arn);
            }
        }

        _log.Recovered(resumed);
        return Task.CompletedTask;
    }

    private void Resume(ExecutionRecord record)
    {
        var definition = ParseCached(record.Definition)
            ?? throw new InvalidOperationException($"The journaled definition of {record.Arn} is no longer valid.");
        var run = new ExecutionRun(record, definition, _journal, _time, _journal.LoadHistory(record.Arn));
        var frames = _journal.LoadFrames(record.Arn).ToDictionary(f => f.Id, StringComparer.Ordinal);
        var top = new Frame(definition, new VariableScope(null), DocNode.Parse(record.Input), record.Input, record.StartDate);
        if (frames.Remove("", out var topRecord))
        {
            top.RestoreFrom(topRecord);
        }

        run.RecoveredFrames = frames;
        _runs[record.Arn] = run;
        Launch(run, top, inline: false);
    }

    public Task<CreateStateMachineResponse> CreateStateMachineAsync(CreateStateMachineRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Arns.RequireValidName(request.Name, "state machine");
        var type = request.Type ?? "STANDARD";
        if (type is not "STANDARD" and not "EXPRESS")
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.ValidationException, $"Value '{type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]");
        }

        var definition = ParseOrThrow(request.Definition);
        var arn = Arns.StateMachine(_options, request.Name);
        var record = new StateMachineRecord(arn, request.Name, request.Definition, request.RoleArn ?? _options.DefaultRoleArn, type, _time.GetUtcNow());
        lock (_startLock)
        {
            if (_stateMachines.TryGetValue(arn, out var existing))
            {
                // AWS: creating the same machine again is idempotent; a different one under the same name is an error.
                if (existing.Record.Definition == record.Definition && existing.Record.RoleArn == record.RoleArn && existing.Record.Type == record.Type)
                {
                    return Task.FromResult(new CreateStateMachineResponse(arn, existing.Record.CreationDate));
                }

                throw new StepFunctionsException(StepFunctionsErrorTypes.StateMachineAlreadyExists, $"State Machine Already Exists: '{arn}'");
            }

            _journal.SaveStateMachine(record);
            _stateMachines[arn] = NewEntry(record, definition);
        }

        return Task.FromResult(new CreateStateMachineResponse(arn, record.CreationDate));
    }

    public Task<StateMachineDescription> DescribeStateMachineAsync(string stateMachineArn, CancellationToken cancellationToken)
    {
        var record = GetStateMachine(stateMachineArn).Record;
        return Task.FromResult(new StateMachineDescription(record.Arn, record.Name, "ACTIVE", record.Definition, record.RoleArn, record.Type, record.CreationDate));
    }

    public Task<UpdateStateMachineResponse> UpdateStateMachineAsync(UpdateStateMachineRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (request.Definition is null && request.RoleArn is null)
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.ValidationException, "Either the definition or the roleArn must be specified.");
        }

        var entry = GetStateMachine(request.StateMachineArn);
        var definition = request.Definition is null ? entry.Definition : ParseOrThrow(request.Definition);
        var record = entry.Record with
        {
            Definition = request.Definition ?? entry.Record.Definition,
            RoleArn = request.RoleArn ?? entry.Record.RoleArn,
        };
        lock (_startLock)
        {
            _journal.SaveStateMachine(record);
            _stateMachines[record.Arn] = NewEntry(record, definition);
        }

        return Task.FromResult(new UpdateStateMachineResponse(_time.GetUtcNow()));
    }

    public Task DeleteStateMachineAsync(string stateMachineArn, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Arns.RequireStateMachineArn(stateMachineArn);

        // Like AWS: deleting is idempotent, and running executions finish with the definition they started with.
        lock (_startLock)
        {
            if (_stateMachines.TryRemove(stateMachineArn, out _))
            {
                _journal.DeleteStateMachine(stateMachineArn);
            }
        }

        return Task.CompletedTask;
    }

    public Task<Page<StateMachineListItem>> ListStateMachinesAsync(int? maxResults, string? nextToken, CancellationToken cancellationToken)
    {
        var all = _stateMachines.Values
            .Select(e => new StateMachineListItem(e.Record.Arn, e.Record.Name, e.Record.Type, e.Record.CreationDate))
            .OrderBy(i => i.Name, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(Paginate(all, maxResults, nextToken));
    }

    public ValidationResult ValidateStateMachineDefinition(string definition)
    {
        DefinitionParser.Parse(definition ?? "", out var diagnostics);
        return new ValidationResult(diagnostics.Any(d => d.Severity == "ERROR") ? "FAIL" : "OK", diagnostics);
    }

    public Task<StartExecutionResponse> StartExecutionAsync(StartExecutionRequest request, CancellationToken cancellationToken)
    {
        var record = Start(request, inline: false, out _);
        return Task.FromResult(new StartExecutionResponse(record.Arn, record.StartDate));
    }

    public async Task<ExecutionDescription> StartSyncExecutionAsync(StartExecutionRequest request, CancellationToken cancellationToken)
    {
        var record = Start(request, inline: true, out var run);
        if (run is null)
        {
            return Describe(record);
        }

        await run.Completion.WaitAsync(cancellationToken);
        return Describe(run.Record);
    }

    /// <summary>
    /// Starts (or, for the same name and input, finds) an execution. Inline runs the synchronous part on this thread.
    /// Answers its record as it was found or started; <paramref name="run"/> is null when it had finished already.
    /// </summary>
    private ExecutionRecord Start(StartExecutionRequest request, bool inline, out ExecutionRun? run)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var stateMachine = GetStateMachine(request.StateMachineArn);
        var name = request.Name ?? ExecutionNames.NewName();
        if (request.Name is not null)
        {
            Arns.RequireValidName(name, "execution");
        }

        var input = request.Input ?? "{}";

        // A UTF-16 character is at most 3 UTF-8 bytes: short inputs need no count.
        if (input.Length > MaxInputBytes / 3 && Encoding.UTF8.GetByteCount(input) > MaxInputBytes)
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.InvalidExecutionInput, "The input exceeds the maximum size of 262144 bytes.");
        }

        DocNode? parsedInput;
        try
        {
            parsedInput = DocNode.Parse(input);
        }
        catch (JsonException ex)
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.InvalidExecutionInput, $"Invalid State Machine Execution Input: '{ex.Message}'");
        }

        var arn = string.Concat(stateMachine.ExecutionArnPrefix, name);

        // The run is built before taking the lock: nobody sees it until it is in _runs. The lock only makes
        // "is the name taken?" and "take it" one step (with _retained, which Retain fills from _runs, and the journal).
        var now = _time.GetUtcNow();
        var definition = stateMachine.Definition;
        var record = new ExecutionRecord(
            arn, stateMachine.Record.Arn, name, "RUNNING", now, null, input, null, null, null,
            stateMachine.Record.Definition, stateMachine.Record.RoleArn,
            definition.TimeoutSeconds is { } timeout ? now.AddSeconds(timeout) : null);
        var started = new ExecutionRun(record, definition, _journal, _time, history: null);
        var top = new Frame(definition, new VariableScope(null), parsedInput, input, now);
        started.AddExecutionStarted(top, input, stateMachine.RoleArnText, stateMachine.ArnText, now);
        started.MarkStarted(top);
        lock (_startLock)
        {
            // A running execution, or a finished one this process still keeps (see Retain), is found again by the same
            // name and input; one only the journal holds (archived: finished before the engine started, or let go since)
            // is not, as AWS answers ExecutionAlreadyExists for a closed one. Only a given name is looked up: a name
            // drawn from 122 random bits just now cannot be taken.
            ExecutionRecord? existing = null;
            var archived = false;
            if (request.Name is null)
            {
                run = null;
            }
            else if (_runs.TryGetValue(arn, out run))
            {
                existing = run.Record;
            }
            else if (TryGetFinished(arn, out var finished, out archived))
            {
                existing = finished;
            }

            if (existing is not null)
            {
                if (!archived && existing.StateMachineArn == stateMachine.Record.Arn && SameJson(existing.Input, parsedInput))
                {
                    return existing;
                }

                throw new StepFunctionsException(StepFunctionsErrorTypes.ExecutionAlreadyExists, $"Execution Already Exists: '{arn}'");
            }

            // Journal first: once StartExecution answers, the execution survives a crash. A synchronous start
            // answers only at the end, so its start is journaled with its first commit point (before any task or
            // timer, or at the end), which saves a transaction per execution without acknowledging anything early.
            if (!inline)
            {
                started.Commit();
            }

            _runs[arn] = started;
        }

        _log.ExecutionStarted(arn);
        Launch(started, top, inline);
        run = started;
        return record;
    }

    private void Launch(ExecutionRun run, Frame top, bool inline)
    {
        run.Finished = _retain;
        ArmExecutionTimeout(run);
        var interpreter = new Interpreter(run, _services);

        // StartExecution answers at once, as in AWS; the execution runs on the thread pool.
        var task = inline ? interpreter.RunAsync(top) : RunOnThreadPool(interpreter, top);

        if (!task.IsCompleted)
        {
            _active[task] = true;
            _ = task.ContinueWith(t => _active.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    // A method of its own: a lambda in Launch would allocate its closure on every start, inline ones too.
    private static Task RunOnThreadPool(Interpreter interpreter, Frame top) => Task.Run(() => interpreter.RunAsync(top));

    /// <summary>
    /// Keeps a finished execution: with a durable journal its record, with an in-memory one its record and history up to
    /// <see cref="EngineOptions.MaxRetainedHistoryEvents"/>.
    /// </summary>
    /// <remarks>
    /// A durable journal already holds every finished execution's history (its last commit came before this call), so
    /// a copy here would only be a cache, and it did not pay. Copying each history (about 3.5 KB for a 5-state run)
    /// into memory a growing store had never touched took a page fault every page or so, and moving records to the
    /// archive as copies were let go cost more of the same: together about 12 % of a journaled run's CPU. It saved
    /// nothing measurable: a GetExecutionHistory of a just-finished run took 35-50 µs for 12 events from either (on the
    /// 2-core bench box; SQLite's page cache still holds the rows just written). The last
    /// <see cref="EngineOptions.MaxRetainedRecords"/> records stay in memory for DescribeExecution; ListExecutions and
    /// older records are read from the journal.
    /// </remarks>
    private void Retain(ExecutionRun run)
    {
        var record = run.Record;
        lock (_retentionLock)
        {
            // Kept here before it leaves _runs, so a lookup in that order (_runs, then TryGetFinished) always finds it.
            if (_journal.IsDurable)
            {
                _retained.Add(record, [], 0);
                while (_retained.Count > _options.MaxRetainedRecords)
                {
                    _retained.MoveOldest();
                }
            }
            else
            {
                var history = run.TakeEndedHistory(out var eventCount);
                _retained.Add(record, history, eventCount);
                while (_retained.Events > _options.MaxRetainedHistoryEvents && _retained.Count > 1)
                {
                    _retained.MoveOldest();
                }
            }
        }

        // A reader still holding the run now gets no history from it and reads the kept copy (GetExecutionHistoryAsync).
        run.ReleaseHistory();
        _runs.TryRemove(record.Arn, out _);
    }

    /// <summary>
    /// An execution no longer in <see cref="_runs"/>: one that finished in this process and is still kept, or
    /// (<paramref name="archived"/>) one only a durable journal holds: it finished before this engine started, or so
    /// long ago that its record was let go (see <see cref="EngineOptions.MaxRetainedRecords"/>).
    /// </summary>
    private bool TryGetFinished(string arn, [NotNullWhen(true)] out ExecutionRecord? record, out bool archived)
    {
        lock (_retentionLock)
        {
            if (_retained.TryGet(arn, out var kept))
            {
                (record, archived) = (kept, false);
                return true;
            }
        }

        // Outside the lock: a journal read takes a while, and Retain (every execution's end) waits for that lock.
        record = _journal.IsDurable ? _journal.LoadExecution(arn) : null;
        archived = record is not null;
        return archived;
    }

    /// <summary>How many finished executions the engine keeps in memory (for tests of its bounds).</summary>
    internal int RetainedExecutionCount
    {
        get
        {
            lock (_retentionLock)
            {
                return _retained.Count;
            }
        }
    }

    private bool IsRetained(string arn)
    {
        lock (_retentionLock)
        {
            return _retained.Contains(arn);
        }
    }

    private void ArmExecutionTimeout(ExecutionRun run)
    {
        if (run.Record.TimeoutAt is { } timeoutAt)
        {
            _ = TimeOutAtAsync(run, timeoutAt);
        }
    }

    /// <summary>The state machine's TimeoutSeconds: the absolute time was journaled at start, never recomputed.</summary>
    private async Task TimeOutAtAsync(ExecutionRun run, DateTimeOffset timeoutAt)
    {
        try
        {
            await Timers.DelayUntilAsync(_time, timeoutAt, run.Cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        const string cause = "The execution ran longer than the state machine's TimeoutSeconds.";
        try
        {
            run.TryFinish(null, "TIMED_OUT", "ExecutionTimedOut", new EventDetails { Error = StatesErrors.Timeout, Cause = cause, HasError = true }, null, StatesErrors.Timeout, cause);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or Microsoft.Data.Sqlite.SqliteException)
        {
            _log.ExecutionCrashed(ex, run.Record.Arn);
        }
    }

    public Task<ExecutionDescription> DescribeExecutionAsync(string executionArn, CancellationToken cancellationToken) =>
        Task.FromResult(Describe(GetExecutionRecord(executionArn)));

    public Task<Page<ExecutionListItem>> ListExecutionsAsync(ListExecutionsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        GetStateMachine(request.StateMachineArn);
        if (request.StatusFilter is not null and not ("RUNNING" or "SUCCEEDED" or "FAILED" or "TIMED_OUT" or "ABORTED" or "PENDING_REDRIVE"))
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.ValidationException, $"Value '{request.StatusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]");
        }

        // Running first (their record in memory is the newest), then finished: kept in memory without a durable
        // journal, else the journal's, which holds every execution. An execution moving between them may be seen in two.
        var executions = _runs.Values.Select(r => r.Record)
            .Where(r => r.StateMachineArn == request.StateMachineArn)
            .Select(ExecutionSummary.Of)
            .ToList();
        if (_journal.IsDurable)
        {
            // Only as many of the journal's as can reach the asked page, in the list's own order: the page's end, plus
            // one per execution in memory (its journal row, possibly stale, is dropped below), plus one to tell whether
            // more follow. The journal sorts names exactly as the ordering below does.
            var (offset, pageSize) = PageWindow(request.MaxResults, request.NextToken);
            var limit = (long)offset + pageSize + executions.Count + 1;
            executions.AddRange(_journal.LoadExecutionSummaries(request.StateMachineArn, request.StatusFilter, (int)Math.Min(limit, int.MaxValue)));
        }
        else
        {
            var kept = new List<ExecutionRecord>();
            lock (_retentionLock)
            {
                _retained.AddRecordsTo(kept, request.StateMachineArn);
            }

            executions.AddRange(kept.Select(ExecutionSummary.Of));
        }

        var items = executions
            .DistinctBy(e => e.Arn, StringComparer.Ordinal)
            .Where(e => request.StatusFilter is null || e.Status == request.StatusFilter)
            .OrderByDescending(e => e.StartDate)
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => new ExecutionListItem(e.Arn, e.StateMachineArn, e.Name, e.Status, e.StartDate, e.StopDate))
            .ToList();
        return Task.FromResult(Paginate(items, request.MaxResults, request.NextToken));
    }

    public Task<DateTimeOffset> StopExecutionAsync(string executionArn, string? error, string? cause, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var record = GetExecutionRecord(executionArn);
        if (_runs.TryGetValue(record.Arn, out var run)
            && run.TryFinish(null, "ABORTED", "ExecutionAborted", new EventDetails { Error = error, Cause = cause }, null, error, cause))
        {
            _log.ExecutionStopped(record.Arn, error);
            return Task.FromResult(run.Record.StopDate!.Value);
        }

        return Task.FromResult(GetExecutionRecord(executionArn).StopDate ?? _time.GetUtcNow());
    }

    public Task<Page<HistoryEventView>> GetExecutionHistoryAsync(GetExecutionHistoryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var record = GetExecutionRecord(request.ExecutionArn);
        // A run that finished in between answers null: then its history is read where it was kept, else from the journal.
        var events = (_runs.TryGetValue(record.Arn, out var run) ? run.SnapshotHistory() : null)
            ?? KeptHistory(record.Arn)
            ?? _journal.LoadHistory(record.Arn);
        IEnumerable<HistoryEvent> ordered = request.ReverseOrder ? events.Reverse() : events;
        var views = ordered
            .Select(e => new HistoryEventView(e.Id, e.PreviousEventId, e.Timestamp, e.Type, e.DetailsFieldName, e.DetailsJson))
            .ToList();
        return Task.FromResult(Paginate(views, request.MaxResults, request.NextToken));
    }

    public async Task<ExecutionDescription> WaitForCompletionAsync(string executionArn, CancellationToken cancellationToken)
    {
        var record = GetExecutionRecord(executionArn);
        if (_runs.TryGetValue(record.Arn, out var run))
        {
            await run.Completion.WaitAsync(cancellationToken);
            return Describe(run.Record);
        }

        // Read again: it may have finished (and left _runs) since the first read.
        return Describe(GetExecutionRecord(executionArn));
    }

    /// <summary>The history kept in memory: only without a durable journal (see <see cref="Retain"/>).</summary>
    private List<HistoryEvent>? KeptHistory(string arn)
    {
        if (_journal.IsDurable)
        {
            return null;
        }

        byte[]? packed;
        lock (_retentionLock)
        {
            packed = _retained.PackHistory(arn);
        }

        if (packed is null)
        {
            return null;
        }

        var events = new List<HistoryEvent>();
        HistoryEventPacking.Unpack(packed, events);
        return events;
    }

    /// <summary>
    /// Stops running executions without journaling anything more, exactly as a crash would: a new engine on the
    /// same journal resumes them. Waits until their threads have unwound.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var run in _runs.Values)
        {
            run.Halt();
        }

        foreach (var task in _active.Keys)
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
                // Expected: the execution was cancelled mid-state.
            }
        }
    }

    private StateMachineEntry GetStateMachine(string? arn)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);

        // Only well-formed ARNs are ever stored, so a hit needs no shape check (every StartExecution comes here).
        if (arn is not null && _stateMachines.TryGetValue(arn, out var entry))
        {
            return entry;
        }

        Arns.RequireStateMachineArn(arn);
        throw new StepFunctionsException(StepFunctionsErrorTypes.StateMachineDoesNotExist, $"State Machine Does Not Exist: '{arn}'");
    }

    private ExecutionRecord GetExecutionRecord(string? arn)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Arns.RequireExecutionArn(arn);
        if (_runs.TryGetValue(arn!, out var run))
        {
            return run.Record;
        }

        return TryGetFinished(arn!, out var record, out _)
            ? record
            : throw new StepFunctionsException(StepFunctionsErrorTypes.ExecutionDoesNotExist, $"Execution Does Not Exist: '{arn}'");
    }

    private static ExecutionDescription Describe(ExecutionRecord r) =>
        new(r.Arn, r.StateMachineArn, r.Name, r.Status, r.StartDate, r.StopDate, r.Input, r.Output, r.Error, r.Cause);

    private static StateMachineDefinition ParseOrThrow(string definition)
    {
        var parsed = DefinitionParser.Parse(definition ?? "", out var diagnostics);
        if (parsed is null)
        {
            var problems = string.Join("; ", diagnostics.Where(d => d.Severity == "ERROR").Select(d => d.Location is null ? $"{d.Code}: {d.Message}" : $"{d.Code}: {d.Message} at {d.Location}"));
            throw new StepFunctionsException(StepFunctionsErrorTypes.InvalidDefinition, $"Invalid State Machine Definition: '{problems}'");
        }

        return parsed;
    }

    private StateMachineDefinition? ParseCached(string definition)
    {
        if (_definitionCache.TryGetValue(definition, out var cached))
        {
            return cached;
        }

        var parsed = DefinitionParser.Parse(definition, out _);
        if (parsed is not null)
        {
            _definitionCache[definition] = parsed;
        }

        return parsed;
    }

    private static bool SameJson(string text, DocNode? parsed)
    {
        try
        {
            return DocNode.DeepEquals(DocNode.Parse(text), parsed);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static Page<T> Paginate<T>(IReadOnlyList<T> items, int? maxResults, string? nextToken)
    {
        var (offset, pageSize) = PageWindow(maxResults, nextToken);
        if (offset > items.Count)
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.InvalidToken, $"Invalid Token: '{nextToken}'");
        }

        var page = items.Skip(offset).Take(pageSize).ToList();
        var next = offset + page.Count < items.Count ? EncodeToken(offset + page.Count) : null;
        return new Page<T>(page, next);
    }

    /// <summary>Where a page starts in the whole list and how long it is, from a request's maxResults and nextToken.</summary>
    private static (int Offset, int PageSize) PageWindow(int? maxResults, string? nextToken)
    {
        if (maxResults is < 0 or > 1000)
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.ValidationException, $"Value '{maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 0 and 1000");
        }

        var pageSize = maxResults is null or 0 ? 100 : maxResults.Value;
        return (string.IsNullOrEmpty(nextToken) ? 0 : DecodeToken(nextToken), pageSize);
    }

    private static string EncodeToken(int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("offset:" + offset.ToString(CultureInfo.InvariantCulture)));

    private static int DecodeToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("offset:", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return offset;
            }
        }
        catch (FormatException)
        {
            // Falls through to InvalidToken.
        }

        throw new StepFunctionsException(StepFunctionsErrorTypes.InvalidToken, $"Invalid Token: '{token}'");
    }

    private StateMachineEntry NewEntry(StateMachineRecord record, StateMachineDefinition definition) =>
        new(record, definition, Arns.ExecutionPrefix(_options, record.Name));

    /// <param name="ExecutionArnPrefix">The ARN of its executions up to their name: one concatenation per start, not a format.</param>
    private sealed record StateMachineEntry(StateMachineRecord Record, StateMachineDefinition Definition, string ExecutionArnPrefix)
    {
        // As the history's writer escapes them (see HistoryLog): encoded once, not at every ExecutionStarted.
        public JsonEncodedText ArnText { get; } = JsonEncodedText.Encode(Record.Arn, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);

        public JsonEncodedText RoleArnText { get; } = JsonEncodedText.Encode(Record.RoleArn, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
    }
}
