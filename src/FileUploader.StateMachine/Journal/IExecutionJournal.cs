using FileUploader.StateMachine.History;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// Where the engine records state machines, executions, history events and each execution's resumable position.
/// The engine writes one <see cref="ExecutionBatch"/> per commit point and only acts (runs a task, starts a
/// timer, answers a caller) after <see cref="Write"/> returned, so a crash loses nothing that was acted on.
/// Writes are synchronous on purpose: both implementations are local and a commit is microseconds, so an async
/// hop would cost more than it saves. The journal is owned by whoever created it, not by the engine.
/// </summary>
public interface IExecutionJournal
{
    /// <summary>
    /// False for a journal that cannot outlive the process: the engine then skips the resumable positions
    /// (nothing could resume from them) and records only executions and history.
    /// </summary>
    bool IsDurable { get; }

    void SaveStateMachine(StateMachineRecord stateMachine);

    void DeleteStateMachine(string stateMachineArn);

    /// <summary>
    /// Applies the batch atomically (one transaction). An execution's first batch carries its record
    /// (<see cref="ExecutionBatch.Execution"/>): the SQLite journal creates the execution's row from it.
    /// </summary>
    void Write(ExecutionBatch batch);

    IReadOnlyList<StateMachineRecord> LoadStateMachines();

    /// <summary>Every execution, oldest first.</summary>
    IReadOnlyList<ExecutionRecord> LoadExecutions();

    /// <summary>The executions still RUNNING (those an engine resumes when it starts), oldest first.</summary>
    IReadOnlyList<ExecutionRecord> LoadRunningExecutions();

    /// <summary>
    /// What ListExecutions shows of the executions of one state machine (with <paramref name="status"/>, only those in
    /// it), in its order: the latest start first, then by name (<see cref="string.CompareOrdinal(string, string)"/>);
    /// at most <paramref name="limit"/>. No inputs, outputs or definitions are read.
    /// </summary>
    IReadOnlyList<ExecutionSummary> LoadExecutionSummaries(string stateMachineArn, string? status, int limit);

    /// <summary>One execution's record, or null when the journal has none of that ARN.</summary>
    ExecutionRecord? LoadExecution(string executionArn);

    IReadOnlyList<HistoryEvent> LoadHistory(string executionArn);

    /// <summary>The resumable positions of a RUNNING execution (top level, branches, iterations).</summary>
    IReadOnlyList<FrameRecord> LoadFrames(string executionArn);
}

public sealed record StateMachineRecord(
    string Arn,
    string Name,
    string Definition,
    string RoleArn,
    string Type,
    DateTimeOffset CreationDate);

/// <param name="Definition">The definition as it was when the execution started (AWS runs that version to the end).</param>
/// <param name="TimeoutAt">Absolute time at which the execution times out (top-level TimeoutSeconds), journaled once.</param>
public sealed record ExecutionRecord(
    string Arn,
    string StateMachineArn,
    string Name,
    string Status,
    DateTimeOffset StartDate,
    DateTimeOffset? StopDate,
    string Input,
    string? Output,
    string? Error,
    string? Cause,
    string Definition,
    string RoleArn,
    DateTimeOffset? TimeoutAt);

/// <summary>
/// Everything one commit point changed in one execution: the execution row (when its status changed), new
/// history events, frames upserted and frames removed.
/// </summary>
/// <summary>An execution as a list of executions shows it.</summary>
public sealed record ExecutionSummary(
    string Arn,
    string StateMachineArn,
    string Name,
    string Status,
    DateTimeOffset StartDate,
    DateTimeOffset? StopDate)
{
    public static ExecutionSummary Of(ExecutionRecord record) =>
        new(record.Arn, record.StateMachineArn, record.Name, record.Status, record.StartDate, record.StopDate);
}

public sealed record ExecutionBatch(
    string ExecutionArn,
    ExecutionRecord? Execution,
    IReadOnlyList<HistoryEvent> Events,
    IReadOnlyList<FrameRecord> Frames,
    IReadOnlyList<string> DeletedFrames,
    bool DeleteAllFrames)
{
    /// <summary>
    /// <see cref="Events"/> as the engine already holds them, packed in <see cref="HistoryEventPacking"/>'s format
    /// (UTF-8), so the SQLite journal stores them without rendering them again; null when not packed.
    /// </summary>
    internal byte[]? PackedEvents { get; init; }

    /// <summary>The id of the first event in <see cref="PackedEvents"/>.</summary>
    internal long FirstPackedEventId { get; init; }
}

/// <summary>
/// The resumable position of one thread of an execution: the top level (id ""), a Parallel branch or a Map
/// iteration (id "parent/step.attempt/index").
/// </summary>
/// <param name="Phase">0: about to enter <paramref name="StateName"/>; 1: entered (its Entered event is journaled);
/// 2: entered and its Parallel/Map children were started.</param>
/// <param name="Variables">This frame's own variables as a JSON object (outer scopes live in their own frames).</param>
/// <param name="RetryCounts">Attempts used per retrier of the current state, comma separated.</param>
/// <param name="DueAt">When the current Wait ends or the pending retry is due (absolute, never recomputed).</param>
/// <param name="Status">RUNNING, SUCCEEDED or FAILED (a finished branch/iteration kept until its parent moves on).</param>
public sealed record FrameRecord(
    string Id,
    string? ParentId,
    int Index,
    string StateName,
    int Phase,
    int Step,
    string Input,
    string? Variables,
    string? RetryCounts,
    DateTimeOffset? DueAt,
    DateTimeOffset EnteredAt,
    long LastEventId,
    string Status,
    string? Output,
    string? Error,
    string? Cause);
