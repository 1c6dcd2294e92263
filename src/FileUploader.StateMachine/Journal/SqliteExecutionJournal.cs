using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using FileUploader.StateMachine.History;
using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;

namespace FileUploader.StateMachine.Journal;

/// <summary>How hard each commit pushes to disk.</summary>
public enum JournalDurability
{
    /// <summary>
    /// WAL with synchronous=NORMAL (the default): a commit is in the WAL file (or, for an execution that started and
    /// ended in one batch, in the run log beside it) before Write returns, so it survives the process being killed at
    /// any point; only an OS crash or power loss may roll back the last few commits. That matches what the engine must
    /// survive (a crashed or restarted server) at a fraction of FULL's cost, because a commit does not wait for an fsync.
    /// </summary>
    Normal,

    /// <summary>
    /// WAL with synchronous=FULL: every commit is fsynced; survives power loss, costs an fsync per commit. No run log:
    /// every batch is committed to SQLite before Write returns.
    /// </summary>
    Full,
}

/// <summary>
/// The durable journal: one SQLite file in WAL mode, held by one connection in exclusive locking mode, guarded by a
/// lock, with prepared statements; each <see cref="Write"/> is committed before it returns, in one transaction shared
/// with the batches other writers queued meanwhile (group commit).
/// </summary>
/// <remarks>
/// Every table a commit writes is keyed by a number the journal assigns in start order, not by the execution's ARN,
/// so each insert lands on the last page of its b-tree: a commit writes the few pages its rows fill, where ARN keys
/// (random, from the execution name) made every commit dirty pages scattered over the tables and their ARN indexes,
/// and every checkpoint copy them back. The ARN → number map lives in memory (loaded at open; the engine holds every
/// execution's record in memory anyway). An execution that starts and ends in one batch (every run of a machine that
/// cannot wait) keeps its whole history in its own row: one row and usually one page per execution. Every other
/// commit appends one row holding both its events and its frame changes, so a commit adds bytes to the end of one
/// table instead of rewriting a frame row (and its overflow and freelist pages) in another.
/// <para>
/// With <see cref="JournalDurability.Normal"/>, that one-row case does not touch SQLite on the caller's thread: its
/// row is appended, as one checksummed record (<see cref="RunLogRecord"/>), to the run log beside the database
/// (<see cref="RunLog"/>), copied into the file's mapped pages, and a thread of the journal's own moves the appended
/// records into the runs table later, thousands per transaction. A one-at-a-time caller otherwise waited for SQLite's
/// statement, its WAL write, page cache, checksums and checkpoints, most of a journaled pass chain's time; now it
/// packs, compresses and checksums the record and copies it into the page cache, without even the write call SQLite's
/// own commit made. The promise is the
/// same as a commit's: the record is in the file before Write returns (no fsync, as with synchronous=NORMAL), so a
/// killed process loses none, and an OS crash may lose the last few. What reads a run row (its history, the
/// executions loaded at open) first moves what is still in the log, so it reads SQLite alone. At open, before
/// anything reads the database, every whole record of the log is inserted unless its run is there already, made
/// durable, and the log started anew; a record cut short or failing its checksum ends the log there: it is the write
/// the process died in, whose Write never returned. A file of the log is reused only once its records are durable
/// in SQLite (the WAL synced), so there is no moment at which an acknowledged execution is in neither.
/// </para>
/// </remarks>
public sealed class SqliteExecutionJournal : IExecutionJournal, IDisposable
{
    /// <summary>
    /// WAL pages after which a commit also checkpoints (SQLite's wal_autocheckpoint, on the writer's own connection,
    /// right after the commit is in the WAL; <see cref="WalFlusher"/> has written most of the log to disk by then,
    /// so the checkpoint's fsync of it is short): about 16 MiB of log. Less often than SQLite's default of 1,000 pages
    /// so the two fsyncs of a checkpoint are shared by more commits; small enough to keep the log's index and
    /// recovery at open quick. Once a checkpoint has caught up, the next commit starts the log from its beginning
    /// again, so the file stops growing at about this size (plus the largest single transaction).
    /// </summary>
    internal const int CheckpointAfterWalPages = 4096;

    /// <summary>
    /// Batch rows after which a commit records the batch ids of the RUNNING executions that gained rows since (see
    /// <see cref="SqliteJournalSchema.BatchSchema"/>): bounds what an open scans (a few MiB) while costing a commit in about a thousand a
    /// few extra pages (the rows of the executions in flight).
    /// </summary>
    internal const int RecordBatchIdsAfterRows = 1024;

    /// <summary>
    /// Prefix of a runs.definition value that names a row of the definitions table. A definition is JSON
    /// and so never starts with this; rows written before the table existed hold the definition itself.
    /// </summary>
    private const string DefinitionReferencePrefix = "sha256:";

    /// <summary>Bounds the memory of definitions already known to be stored (a handful per state machine in practice).</summary>
    private const int MaxKnownDefinitions = 1024;

    /// <summary>The collation that orders names as .NET's ordinal comparison does (see the constructor).</summary>
    private const string OrdinalCollation = "DOTNET_ORDINAL";

    /// <summary>
    /// Run log records after which the mover starts at once instead of after <see cref="MoveDelay"/>: a transaction of
    /// about this many rows shares its commit and its pages among them, and its buffer stays a few MiB.
    /// </summary>
    internal const int MoveAfterRecords = 2048;

    /// <summary>
    /// Pending run log records at which an append moves them itself, on its caller's thread: the mover could not keep
    /// up (every core busy), and memory must not grow without bound. Low enough that the pending buffer stays within
    /// what <see cref="RunLogBuffer"/> keeps for reuse (a pass chain's record is 3.3 KB): past that, every move let go
    /// of a buffer of hundreds of MiB and the appenders grew, copied and faulted in a new one.
    /// </summary>
    internal const int MoveOnAppendAfterRecords = 4 * MoveAfterRecords;

    /// <summary>
    /// How long the mover lets records gather after the first one, when fewer than <see cref="MoveAfterRecords"/>
    /// come: one wake-up and one transaction per interval, not per record.
    /// </summary>
    internal static readonly TimeSpan MoveDelay = TimeSpan.FromMilliseconds(20);

    private readonly Lock _sync = new();
    private readonly SqliteConnection _connection;
    private readonly RawStatement _insertRun;
    private readonly SqliteCommand _updateRun;
    private readonly SqliteCommand _insertDefinition;
    /// <summary>Definitions known to be stored, by text; read by run log appends outside <see cref="_sync"/>.</summary>
    private readonly ConcurrentDictionary<string, string> _storedDefinitionIds = new(StringComparer.Ordinal);
    private readonly SqliteCommand _insertBatch;
    private readonly SqliteCommand _selectBatch;
    private readonly SqliteCommand _recordBatchIds;
    private readonly SqliteCommand _moveWatermark;
    private readonly HistoryEventPacking _packing = new();
    private readonly FrameChanges _frameChanges = new();
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly WalFlusher _walFlusher;
    private readonly string _path;

    /// <summary>The run log of one-row executions not yet moved into SQLite; null with <see cref="JournalDurability.Full"/>.</summary>
    private readonly RunLog? _runLog;

    /// <summary>Moves the run log's records into SQLite; null when tests move them themselves.</summary>
    private readonly Thread? _mover;

    /// <summary>Guards the mover's wake-up flags; a monitor (not a Lock) because the mover waits on it.</summary>
    private readonly object _moverGate = new();
    private bool _moveRequested;
    private bool _moveNow;
    private bool _stopMover;

    /// <summary>The WAL, synced by the mover before a run log file is reused (its records must be durable in SQLite first).</summary>
    private SafeFileHandle? _wal;

    /// <summary>
    /// Every journaled execution's run id, by ARN; committed rows and run log records. Written by the writer leading
    /// a group commit and by run log appends (concurrently with it), always under <see cref="_idsGate"/>, and read under it.
    /// </summary>
    private readonly RunIdIndex _runIds = new();

    /// <summary>Guards <see cref="_runIds"/> between run log appends (not under <see cref="_sync"/>), SQLite's writers and readers.</summary>
    private readonly Lock _idsGate = new();

    /// <summary>Runs the open transaction inserts, added to <see cref="_runIds"/> once it commits.</summary>
    private readonly Dictionary<string, long> _pendingRunIds = new(StringComparer.Ordinal);
    private long _nextRunId;

    /// <summary>
    /// Runs that may have frames (a superset): a run that never had one skips the delete at its end. Added to at once
    /// (a spare entry only costs a delete); removed from only once the delete is committed.
    /// </summary>
    private readonly HashSet<long> _runsWithFrames;
    private readonly List<long> _pendingFramelessRuns = [];

    /// <summary>The id the next batch row gets: rows are numbered in commit order (gaps left by rollbacks are harmless).</summary>
    private long _nextBatchId;

    /// <summary>Committed batch_watermark.recorded_below: every row below it is listed in its run's batch_ids.</summary>
    private long _recordedBelow;

    /// <summary>
    /// Every committed batch row id, ascending, of each execution that gained rows since the journal opened (or whose
    /// stored list lacks some), until it ends: what its stored list does not yet hold. Others' lists are read when needed.
    /// </summary>
    private readonly Dictionary<long, List<long>> _liveBatchIds = [];

    /// <summary>Executions (RUNNING ones, in practice) whose runs.batch_ids lacks some of their committed rows, all at or above the watermark.</summary>
    private readonly HashSet<long> _unrecordedRuns = [];

    /// <summary>The ids of the rows the open transaction adds, by run (appended to <see cref="_liveBatchIds"/> once it commits).</summary>
    private readonly Dictionary<long, List<long>> _pendingBatchIds = [];

    /// <summary>Runs whose batch_ids the open transaction writes complete, and runs it ends.</summary>
    private readonly HashSet<long> _pendingRecordedRuns = [];
    private readonly HashSet<long> _pendingEndedRuns = [];
    private long? _pendingRecordedBelow;

    /// <summary>Whether the file still has the per-event table of journals from before packed batches.</summary>
    private readonly bool _hasLegacyEvents;

    /// <summary>The definition (by reference) and id of the last execution written whose definition was already stored.</summary>
    private (string? Text, string? Id) _lastDefinition;

    /// <summary>As <see cref="_lastDefinition"/>, for run log appends (under the log's lock, not <see cref="_sync"/>).</summary>
    private (string? Text, string? Id) _lastLoggedDefinition;

    /// <summary>Packs events for run log appends (under the log's lock); <see cref="_packing"/> is for SQLite's writes.</summary>
    private readonly HistoryEventPacking _logPacking = new();

    /// <summary>Definitions the open transaction stores, remembered as stored once it commits.</summary>
    private readonly List<(string Definition, string Id)> _pendingDefinitions = [];

    /// <summary>Guards the group-commit queue (<see cref="Write"/>); never held while <see cref="_sync"/> is.</summary>
    private readonly object _queueGate = new();
    private readonly List<PendingWrite> _queue = [];
    private bool _committing;
    private bool _disposed;

    private SqliteExecutionJournal(SqliteConnection connection, string path, JournalDurability durability, RunLogOptions runLogOptions)
    {
        _connection = connection;

        // SQLite's own BINARY order compares UTF-8 bytes; .NET's ordinal order compares UTF-16 code units, and the two
        // differ for characters above U+FFFF. Lists are ordered by the engine's rule, so SQLite sorts names with it too.
        _connection.CreateCollation(OrdinalCollation, string.CompareOrdinal);
        _path = path;

        // Prepared once: SqliteConnection.BeginTransaction/Commit parse "BEGIN"/"COMMIT" again on every call.
        _begin = Prepare("BEGIN");
        _commit = Prepare("COMMIT");
        _rollback = Prepare("ROLLBACK");
        // Every execution's first batch runs this, most executions nothing else: bound through SQLite directly (RawStatement).
        _insertRun = new RawStatement(connection, InsertRunSql);
        // Only the status columns change after an execution started (and the batch ids, recorded whenever the row is written).
        _updateRun = Prepare("""
            UPDATE runs SET status = $status, stop_date = $stop, output = $output, error = $error, cause = $cause, batch_ids = $batches WHERE id = $id
            """, "$status", "$stop", "$output", "$error", "$cause", "$batches", "$id");
        _insertBatch = Prepare("INSERT INTO run_events (id, run_id, events, frames) VALUES ($id, $run, $events, $frames)", "$id", "$run", "$events", "$frames");
        _selectBatch = Prepare("SELECT events, frames FROM run_events WHERE id = $id", "$id");
        _recordBatchIds = Prepare("UPDATE runs SET batch_ids = $batches WHERE id = $id", "$batches", "$id");
        _moveWatermark = Prepare("INSERT OR REPLACE INTO batch_watermark (id, recorded_below) VALUES (0, $below)", "$below");
        _insertDefinition = Prepare("INSERT OR IGNORE INTO definitions (id, definition) VALUES ($id, $definition)", "$id", "$definition");

        var running = new HashSet<long>();
        foreach (var (arn, id, isRunning) in Query("SELECT arn, id, status = 'RUNNING' FROM runs", r => (r.GetString(0), r.GetInt64(1), r.GetBoolean(2))))
        {
            _runIds[arn] = id;
            _nextRunId = Math.Max(_nextRunId, id);
            if (isRunning)
            {
                running.Add(id);
            }
        }

        _nextRunId++;
        _recordedBelow = Query("SELECT recorded_below FROM batch_watermark WHERE id = 0", r => r.GetInt64(0)).FirstOrDefault();
        _nextBatchId = Query("SELECT COALESCE(MAX(id), 0) + 1 FROM run_events", r => r.GetInt64(0))[0];

        // The rows the runs' lists may lack: only those at or above the watermark, in id order. A list holds every row
        // its run had when it was written, so a row is missing from it exactly when it is newer than the list's last.
        // (A finished run's list is complete, written by its last commit; it is checked all the same, it costs little.)
        foreach (var (batchId, runId) in Query("SELECT id, run_id FROM run_events WHERE id >= $p0 ORDER BY id", r => (r.GetInt64(0), r.GetInt64(1)), _recordedBelow))
        {
            if (!_liveBatchIds.TryGetValue(runId, out var ids))
            {
                ids = StoredBatchIds(runId);
            }

            if (ids.Count == 0 || batchId > ids[^1])
            {
                ids.Add(batchId);
                _liveBatchIds[runId] = ids;
                _unrecordedRuns.Add(runId);
            }
        }

        // Only a RUNNING execution can still have frames (its last commit removes them all).
        _runsWithFrames = running;
        _hasLegacyEvents = Query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'", r => true).Count > 0;
        if (durability == JournalDurability.Normal && runLogOptions.Enabled)
        {
            // Before any thread starts: opening the log files is what may fail here.
            _runLog = new RunLog(path, runLogOptions.RotateAfterBytes);
        }
        else
        {
            // Replayed at open already: a FULL journal keeps no log.
            RunLog.DeleteFiles(path);
        }

        _walFlusher = new WalFlusher(path);
        if (_runLog is not null && runLogOptions.MoveInBackground)
        {
            _mover = new Thread(RunMover) { IsBackground = true, Name = "Run log mover" };
            _mover.Start();
        }
    }

    public bool IsDurable => true;

    /// <summary>Opens (creating if needed) the journal file at <paramref name="path"/>.</summary>
    /// <remarks>
    /// Locking mode EXCLUSIVE: the connection takes the file's locks once and keeps them, so a transaction makes no
    /// lock and unlock calls, and the WAL's index lives in the process's memory instead of a shared-memory file. No
    /// other connection may open the file while the journal is open (one engine owns a journal); the locks go with
    /// the process, however it ends. What survives a crash is unchanged: a commit is in the WAL file before Write
    /// returns, and the next open replays the WAL.
    /// </remarks>
    public static SqliteExecutionJournal Open(string path, JournalDurability durability = JournalDurability.Normal) =>
        Open(path, durability, new RunLogOptions());

    /// <summary>Opens the journal with its run log tuned (tests: no mover thread, a small rotation size).</summary>
    internal static SqliteExecutionJournal Open(string path, JournalDurability durability, RunLogOptions runLogOptions)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DataSource(path), Pooling = false }.ToString());
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = $"""
                PRAGMA locking_mode = EXCLUSIVE;
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {(durability == JournalDurability.Full ? "FULL" : "NORMAL")};
                PRAGMA busy_timeout = 5000;
                PRAGMA wal_autocheckpoint = {CheckpointAfterWalPages};
                BEGIN IMMEDIATE;
                """;
            pragma.ExecuteNonQuery();
            SqliteJournalSchema.CreateOrUpgrade(pragma);
            pragma.CommandText = "COMMIT";
            pragma.ExecuteNonQuery();
            ReplayRunLog(connection, path);
            return new SqliteExecutionJournal(connection, path, durability, runLogOptions);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Inserts the run log's records left by the last process (killed, or its moves failed) that the runs table does not
    /// have yet, in one transaction, then syncs the WAL so they are durable before the log is created anew (by the new
    /// <see cref="RunLog"/>). A record already moved is skipped by its run id; a torn tail is not read (see
    /// <see cref="RunLog.Replay"/>). Runs before anything reads the database, so run ids and loads include them.
    /// </summary>
    private static void ReplayRunLog(SqliteConnection connection, string path)
    {
        if (!RunLog.Suffixes.Any(suffix => File.Exists(path + suffix)))
        {
            return;
        }

        using var insert = new RawStatement(connection, InsertRunSql.Replace("INSERT INTO", "INSERT OR IGNORE INTO", StringComparison.Ordinal));
        using var command = connection.CreateCommand();
        command.CommandText = "BEGIN IMMEDIATE";
        command.ExecuteNonQuery();
        int records;
        try
        {
            records = RunLog.Replay(path, insert);
            command.CommandText = "COMMIT";
            command.ExecuteNonQuery();
        }
        catch
        {
            command.CommandText = "ROLLBACK";
            command.ExecuteNonQuery();
            throw;
        }

        if (records > 0)
        {
            // Even records that were there already: their commit may not have been synced before the process died.
            using var wal = OpenWal(path);
            if (wal is not null)
            {
                RandomAccess.FlushToDisk(wal);
            }
        }
    }

    /// <summary>A handle on the WAL for syncing it (fsync flushes the file, whichever handle wrote it); null when there is none.</summary>
    private static SafeFileHandle? OpenWal(string path)
    {
        try
        {
            return File.OpenHandle(path + "-wal", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            // No WAL: everything committed is in the database file, which the checkpoint that emptied the WAL synced.
            return null;
        }
    }

    private const string InsertRunSql = """
        INSERT INTO runs (id, arn, state_machine_arn, name, status, start_date, stop_date, input, output, error, cause, definition, role_arn, timeout_at, first_events, batch_ids)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
        """;

    /// <summary>
    /// The file as SQLite is to open it: through <see cref="WalWriteCoalescingVfs"/> (a URI names the VFS), or as the
    /// plain path where that VFS cannot be registered or the path cannot be a SQLite URI (a UNC path has a host, which
    /// SQLite's URIs may not name).
    /// </summary>
    private static string DataSource(string path)
    {
        var uri = new Uri(Path.GetFullPath(path));
        return WalWriteCoalescingVfs.EnsureRegistered() && !uri.IsUnc
            ? $"{uri.AbsoluteUri}?vfs={WalWriteCoalescingVfs.Name}"
            : path;
    }

    public void SaveStateMachine(StateMachineRecord stateMachine)
    {
        ArgumentNullException.ThrowIfNull(stateMachine);
        Execute("""
            INSERT OR REPLACE INTO state_machines (arn, name, definition, role_arn, type, creation_date)
            VALUES ($p0, $p1, $p2, $p3, $p4, $p5)
            """, stateMachine.Arn, stateMachine.Name, stateMachine.Definition, stateMachine.RoleArn, stateMachine.Type, stateMachine.CreationDate.UtcTicks);
    }

    public void DeleteStateMachine(string stateMachineArn) =>
        Execute("DELETE FROM state_machines WHERE arn = $p0", stateMachineArn);

    /// <summary>
    /// Group commit: a writer that finds another's transaction in progress queues its batch and waits; when that
    /// transaction ends, the first queued writer commits every queued batch in one transaction. A lone writer
    /// commits at once, as before. Each call returns only once its own batch is committed, so nothing is
    /// acknowledged earlier than without grouping; concurrent executions just share the per-transaction cost (most
    /// of a commit) instead of queueing for it. Each waiter is woken on its own (no herd of threads re-checking).
    /// </summary>
    /// <remarks>
    /// A batch for the run log (<see cref="TryAppendToRunLog"/>) does not queue: its append is a copy into memory under
    /// the log's own short lock, cheaper than the hand-off between threads that grouping costs (a futex wait and wake
    /// each, several microseconds on this project's machines). Only what goes to SQLite is grouped.
    /// </remarks>
    public void Write(ExecutionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_runLog is not null && TryAppendToRunLog(batch))
        {
            return;
        }

        var pending = new PendingWrite(batch);
        List<PendingWrite>? group = null;
        lock (_queueGate)
        {
            if (_committing)
            {
                _queue.Add(pending);
            }
            else
            {
                _committing = true;
                group = [pending];
            }
        }

        if (group is null)
        {
            if (pending.WaitUntilDoneOrLeading())
            {
                pending.ThrowIfFailed();
                return;
            }

            lock (_queueGate)
            {
                // This writer leads the next transaction: everything queued so far (itself included) goes in it.
                group = [.. _queue];
                _queue.Clear();
            }
        }

        try
        {
            CommitGroup(group);
        }
        finally
        {
            foreach (var write in group)
            {
                if (write != pending)
                {
                    write.Finish();
                }
            }

            lock (_queueGate)
            {
                if (_queue.Count > 0)
                {
                    _queue[0].Lead();
                }
                else
                {
                    _committing = false;
                }
            }
        }

        pending.ThrowIfFailed();
    }

    /// <summary>
    /// Appends <paramref name="batch"/> to the run log when it is one runs row (<see cref="IsOneInsert"/>): false, and
    /// nothing done, when it is not. Not under <see cref="_sync"/>, so an append never waits for a move's or a group's
    /// transaction: what it shares with them is guarded on its own (run ids by <see cref="_idsGate"/> and an atomic
    /// counter, stored definitions by a concurrent dictionary, the last logged definition by the log's lock).
    /// </summary>
    private bool TryAppendToRunLog(ExecutionBatch batch)
    {
        if (batch.Execution is not { } e || !FitsRunsRow(e))
        {
            return false;
        }

        var log = _runLog!;
        bool wake, moveNow, moveHere;
        lock (log.Gate)
        {
            ObjectDisposedException.ThrowIf(log.Closed, this);
            if (!IsOneInsert(batch, _lastLoggedDefinition.Text) || !TryGetLoggedDefinitionId(e.Definition, out var definitionId))
            {
                return false;
            }

            // Not compressed here: the move compresses the events on its own thread. Copying a pass chain's 3.3 KB record
            // into the log's mapped pages costs a fraction of a microsecond more than its 1.3 KB compressed form, and
            // LZ4 cost this thread about 3 µs (when each record took a write call, the write's saving paid for it).
            var events = batch.PackedEvents ?? (batch.Events.Count > 0 ? _logPacking.Pack(batch.Events) : null);
            var pending = log.Pending;
            var (start, count, first, last) = (pending.Length, pending.Count, pending.FirstRunId, pending.LastRunId);

            // Taken under the log's lock, so the log's run ids ascend in append order (moves and retirement rely on it).
            var runId = Interlocked.Increment(ref _nextRunId) - 1;
            try
            {
                RunLogRecord.Append(pending, log.ActiveGeneration, runId, e, definitionId, events);
                log.WriteFrom(start);
            }
            catch
            {
                // Not written: forgotten (the run id it took is left unused, which is harmless).
                (pending.Length, pending.Count, pending.FirstRunId, pending.LastRunId) = (start, count, first, last);
                throw;
            }

            lock (_idsGate)
            {
                _runIds[batch.ExecutionArn] = runId;
            }

            wake = count == 0;
            moveNow = count < MoveAfterRecords && pending.Count >= MoveAfterRecords;
            moveHere = pending.Count >= MoveOnAppendAfterRecords;
        }

        if (wake || moveNow)
        {
            lock (_moverGate)
            {
                _moveRequested = true;
                _moveNow |= moveNow;
                Monitor.PulseAll(_moverGate);
            }
        }

        if (moveHere)
        {
            MoveOnAppend();
        }

        return true;
    }

    /// <summary>
    /// Whether the record meets the runs table's NOT NULL columns. One that does not goes to SQLite, which fails its
    /// batch alone as it always did; in the log it would fail the move of every record with it, again at every open.
    /// </summary>
    private static bool FitsRunsRow(ExecutionRecord e) =>
        e.Arn is not null && e.StateMachineArn is not null && e.Name is not null && e.Status is not null
        && e.Input is not null && e.Definition is not null && e.RoleArn is not null;

    /// <summary>
    /// The id of a stored definition, under the log's lock; false if it is not known to be stored (the known ones are
    /// forgotten all at once past <see cref="MaxKnownDefinitions"/>, possibly since <see cref="IsOneInsert"/> looked).
    /// </summary>
    private bool TryGetLoggedDefinitionId(string definition, [NotNullWhen(true)] out string? id)
    {
        if (!ReferenceEquals(definition, _lastLoggedDefinition.Text))
        {
            if (!_storedDefinitionIds.TryGetValue(definition, out var stored))
            {
                id = null;
                return false;
            }

            _lastLoggedDefinition = (definition, stored);
        }

        id = _lastLoggedDefinition.Id!;
        return true;
    }

    /// <summary>The mover fell behind by <see cref="MoveOnAppendAfterRecords"/>: this appender moves them.</summary>
    private void MoveOnAppend()
    {
        try
        {
            lock (_sync)
            {
                if (!_disposed)
                {
                    MovePendingLocked(mayRotate: false);
                }
            }
        }
        catch (Exception ex) when (ex is SqliteException or IOException)
        {
            // The records are durable in the log and stay pending: the mover tries again, and so does the next append.
        }
    }

    private void CommitGroup(List<PendingWrite> group)
    {
        lock (_sync)
        {
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                MoveIfAnyLoggedLocked(group);
                if (!TryCommit(group, out var failure) && group.Count > 1)
                {
                    // One bad batch must not fail the others: commit each on its own to find it.
                    foreach (var write in group)
                    {
                        TryCommit([write], out var own);
                        write.Failure = own;
                    }
                }
                else
                {
                    foreach (var write in group)
                    {
                        write.Failure = failure;
                    }
                }
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SqliteException or IOException)
            {
                // Disposed, or a move this group needed first failed.
                foreach (var write in group)
                {
                    write.Failure = ex;
                }
            }
        }
    }

    /// <summary>
    /// Moves the run log's records first when a batch of the group continues a run whose row is still there (an
    /// execution written again after it ended in one batch): its statements update that row, so it must exist.
    /// </summary>
    private void MoveIfAnyLoggedLocked(List<PendingWrite> group)
    {
        if (_runLog is null)
        {
            return;
        }

        long firstPending;
        lock (_runLog.Gate)
        {
            firstPending = _runLog.Pending.FirstRunId;
        }

        foreach (var write in group)
        {
            if (TryGetRunId(write.Batch.ExecutionArn, out var runId) && runId >= firstPending)
            {
                MovePendingLocked(mayRotate: false);
                return;
            }
        }
    }

    /// <summary>One transaction for <paramref name="writes"/>; false (and rolled back) when it failed.</summary>
    private bool TryCommit(List<PendingWrite> writes, out Exception? failure)
    {
        var written = 0L;
        try
        {
            // A single statement is a transaction of its own (all of it or nothing), so a lone batch that is one
            // insert skips BEGIN and COMMIT.
            var explicitTransaction = writes.Count > 1 || !IsOneInsert(writes[0].Batch, _lastDefinition.Text);
            if (explicitTransaction)
            {
                _begin.ExecuteNonQuery();
            }

            try
            {
                foreach (var write in writes)
                {
                    // About what it adds to the WAL: its events as stored and at least a page.
                    written += WriteLocked(write.Batch) + 4096;
                }

                if (explicitTransaction && _nextBatchId - _recordedBelow >= RecordBatchIdsAfterRows)
                {
                    RecordBatchIdsLocked();
                }

                if (explicitTransaction)
                {
                    _commit.ExecuteNonQuery();
                }
            }
            catch
            {
                if (explicitTransaction)
                {
                    Rollback();
                }

                _pendingDefinitions.Clear();
                _pendingRunIds.Clear();
                _pendingFramelessRuns.Clear();
                ClearPendingBatchIds();
                throw;
            }
        }
        catch (Exception ex)
        {
            // Whatever failed is handed to the writer(s) of this transaction; the other writers must not wait forever.
            failure = ex;
            return false;
        }

        foreach (var (definition, id) in _pendingDefinitions)
        {
            // Only once committed: a rolled-back transaction did not store it.
            if (_storedDefinitionIds.Count >= MaxKnownDefinitions)
            {
                _storedDefinitionIds.Clear();
            }

            _storedDefinitionIds[definition] = id;
        }

        _pendingDefinitions.Clear();
        lock (_idsGate)
        {
            foreach (var (arn, id) in _pendingRunIds)
            {
                _runIds[arn] = id;
            }
        }

        _pendingRunIds.Clear();
        foreach (var id in _pendingFramelessRuns)
        {
            _runsWithFrames.Remove(id);
        }

        _pendingFramelessRuns.Clear();
        CommitPendingBatchIds();
        _walFlusher.Committed(written);
        failure = null;
        return true;
    }

    /// <summary>A batch waiting for (or in) a group commit; its writer waits on it until it is done or leads.</summary>
    private sealed class PendingWrite(ExecutionBatch batch)
    {
        private bool _done;
        private bool _leads;

        public ExecutionBatch Batch { get; } = batch;

        public Exception? Failure { get; set; }

        /// <summary>True once another writer committed this batch; false when this writer must lead the next commit.</summary>
        public bool WaitUntilDoneOrLeading()
        {
            lock (this)
            {
                while (!_done && !_leads)
                {
                    Monitor.Wait(this);
                }

                return _done;
            }
        }

        public void Finish()
        {
            lock (this)
            {
                _done = true;
                Monitor.Pulse(this);
            }
        }

        public void Lead()
        {
            lock (this)
            {
                _leads = true;
                Monitor.Pulse(this);
            }
        }

        public void ThrowIfFailed()
        {
            if (Failure is { } failure)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
        }
    }

    private void Rollback()
    {
        try
        {
            _rollback.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // No transaction left to roll back (SQLite already ended it); the original failure is what matters.
        }
    }

    /// <summary>
    /// Whether <see cref="WriteLocked"/> writes <paramref name="batch"/> with one statement: the row of an execution
    /// that started and ended in this batch (every run of a machine that cannot wait), whose definition is stored.
    /// </summary>
    /// <param name="lastStoredDefinition">A definition known to be stored, checked by reference first (see <see cref="DefinitionIdLocked"/>).</param>
    private bool IsOneInsert(ExecutionBatch batch, string? lastStoredDefinition)
    {
        if (batch.Execution is not { Status: not "RUNNING" } e
            || batch.Frames.Count != 0
            || batch.DeletedFrames.Count != 0
            || !(ReferenceEquals(e.Definition, lastStoredDefinition) || _storedDefinitionIds.ContainsKey(e.Definition)))
        {
            return false;
        }

        lock (_idsGate)
        {
            return !_runIds.ContainsKey(batch.ExecutionArn);
        }
    }

    /// <summary>
    /// The statements of one batch, inside the transaction <see cref="Write"/> opened (if it is more than one); returns
    /// the length of the events as stored (compressed or not).
    /// </summary>
    private int WriteLocked(ExecutionBatch batch)
    {
        byte[]? events = null;
        if (batch.PackedEvents is { } packed)
        {
            // Already packed by the engine as the events happened: stored as the UTF-8 bytes they are (a BLOB; LoadHistory
            // reads TEXT and BLOB rows alike), with no conversion to a string and back.
            events = packed;
        }
        else if (batch.Events.Count > 0)
        {
            events = _packing.Pack(batch.Events);
        }

        if (events is not null)
        {
            // Compressed (when it shrinks them): a smaller row shares its leaf with other commits' rows.
            events = PackedEventsCompression.Encode(events);
        }

        if (_pendingRunIds.TryGetValue(batch.ExecutionArn, out var runId) || TryGetRunId(batch.ExecutionArn, out runId))
        {
            // One row for the commit's events and frame changes together: one append instead of a row per table.
            var frames = FrameChangesLocked(batch, runId);
            if (events is not null || frames is not null)
            {
                InsertBatchLocked(runId, events, frames);
            }

            if (batch.Execution is { } e)
            {
                Run(_updateRun, e.Status, e.StopDate?.UtcTicks, e.Output, e.Error, e.Cause, EncodedBatchIdsLocked(runId), runId);
                RecordedLocked(runId, e.Status);
            }
        }
        else
        {
            var e = batch.Execution ?? throw new InvalidOperationException(
                $"The first batch journaled for {batch.ExecutionArn} must carry its execution record.");
            runId = Interlocked.Increment(ref _nextRunId) - 1;
            _pendingRunIds[batch.ExecutionArn] = runId;

            // The execution's first batch makes its row. An execution that already ended in it (every run of a
            // machine that cannot wait) keeps its events in the row; one still running gets a batch row, so the
            // status update at its end rewrites only the small row, not its first events too.
            var eventsInRow = e.Status != "RUNNING";
            var frames = FrameChangesLocked(batch, runId);
            var batchEvents = eventsInRow ? null : events;
            if (batchEvents is not null || frames is not null)
            {
                InsertBatchLocked(runId, batchEvents, frames);
            }

            _insertRun.Bind(1, runId);
            _insertRun.Bind(2, e.Arn);
            _insertRun.Bind(3, e.StateMachineArn);
            _insertRun.Bind(4, e.Name);
            _insertRun.Bind(5, e.Status);
            _insertRun.Bind(6, e.StartDate.UtcTicks);
            _insertRun.Bind(7, e.StopDate?.UtcTicks);
            _insertRun.Bind(8, e.Input);
            _insertRun.Bind(9, e.Output);
            _insertRun.Bind(10, e.Error);
            _insertRun.Bind(11, e.Cause);
            _insertRun.Bind(12, DefinitionIdLocked(e.Definition));
            _insertRun.Bind(13, e.RoleArn);
            _insertRun.Bind(14, e.TimeoutAt?.UtcTicks);
            _insertRun.Bind(15, eventsInRow ? events : null);
            _insertRun.Bind(16, EncodedBatchIdsLocked(runId));
            _insertRun.Execute();
            if (_pendingBatchIds.ContainsKey(runId))
            {
                // A run without rows (every run of a machine that cannot wait) is in no list: nothing to track.
                RecordedLocked(runId, e.Status);
            }
        }

        return events?.Length ?? 0;
    }

    /// <summary>Appends a batch row with the next id and adds the id to its run's pending list.</summary>
    private void InsertBatchLocked(long runId, byte[]? events, byte[]? frames)
    {
        var batchId = _nextBatchId++;
        Run(_insertBatch, batchId, runId, events, frames);
        if (!_pendingBatchIds.TryGetValue(runId, out var ids))
        {
            _pendingBatchIds[runId] = ids = [];
            if (!IsNewLocked(runId))
            {
                // Held in memory from now on (it is the committed list, right whether or not this transaction commits):
                // once this transaction writes the run's list, the stored one no longer tells committed from pending.
                _liveBatchIds[runId] = CommittedBatchIdsLocked(runId);
            }
        }

        ids.Add(batchId);
    }

    /// <summary>Whether the open transaction inserts the run's row (it has no committed rows then).</summary>
    private bool IsNewLocked(long runId) => _pendingRunIds.ContainsValue(runId);

    /// <summary>The run's complete batch ids as of this statement, encoded; null when it has none.</summary>
    private byte[]? EncodedBatchIdsLocked(long runId)
    {
        IReadOnlyList<long> committed = IsNewLocked(runId) ? [] : CommittedBatchIdsLocked(runId);
        IReadOnlyList<long> pending = _pendingBatchIds.TryGetValue(runId, out var added) ? added : [];
        return committed.Count + pending.Count == 0 ? null : BatchIds.Encode(committed.Concat(pending));
    }

    /// <summary>The run's row now holds its complete list; a run that is no longer RUNNING gains no more rows.</summary>
    private void RecordedLocked(long runId, string status)
    {
        _pendingRecordedRuns.Add(runId);
        if (status != "RUNNING")
        {
            _pendingEndedRuns.Add(runId);
        }
    }

    /// <summary>
    /// The ids of the run's committed batch rows: from memory for a run that gained rows since the journal opened, else
    /// from its row (complete then: every row it lacked at open was found by the scan and is in memory).
    /// </summary>
    private List<long> CommittedBatchIdsLocked(long runId)
    {
        if (_liveBatchIds.TryGetValue(runId, out var ids))
        {
            return ids;
        }

        return StoredBatchIds(runId);
    }

    private List<long> StoredBatchIds(long runId)
    {
        var stored = Query("SELECT batch_ids FROM runs WHERE id = $p0 AND batch_ids IS NOT NULL", r => r.GetFieldValue<byte[]>(0), runId);
        return stored.Count == 0 ? [] : BatchIds.Decode(stored[0]);
    }

    /// <summary>
    /// Writes the complete lists of the RUNNING executions whose rows lack some, then moves the watermark past the
    /// last row, in the transaction being committed (see <see cref="SqliteJournalSchema.BatchSchema"/>).
    /// </summary>
    private void RecordBatchIdsLocked()
    {
        var runs = new HashSet<long>(_unrecordedRuns);
        runs.UnionWith(_pendingBatchIds.Keys);
        runs.ExceptWith(_pendingRecordedRuns);
        foreach (var runId in runs)
        {
            Run(_recordBatchIds, EncodedBatchIdsLocked(runId), runId);
            _pendingRecordedRuns.Add(runId);
        }

        Run(_moveWatermark, _nextBatchId);
        _pendingRecordedBelow = _nextBatchId;
    }

    private void CommitPendingBatchIds()
    {
        foreach (var (runId, ids) in _pendingBatchIds)
        {
            if (_liveBatchIds.TryGetValue(runId, out var committed))
            {
                committed.AddRange(ids);
            }
            else
            {
                // A run this transaction started: these are all its rows.
                _liveBatchIds[runId] = ids;
            }

            _unrecordedRuns.Add(runId);
        }

        _unrecordedRuns.ExceptWith(_pendingRecordedRuns);
        foreach (var runId in _pendingEndedRuns)
        {
            _liveBatchIds.Remove(runId);
            _unrecordedRuns.Remove(runId);
        }

        if (_pendingRecordedBelow is { } below)
        {
            _recordedBelow = below;
        }

        ClearPendingBatchIds();
    }

    private void ClearPendingBatchIds()
    {
        _pendingBatchIds.Clear();
        _pendingRecordedRuns.Clear();
        _pendingEndedRuns.Clear();
        _pendingRecordedBelow = null;
    }

    /// <summary>The batch's frame changes, encoded; null when it changes none (or removes all of a run that has none).</summary>
    private byte[]? FrameChangesLocked(ExecutionBatch batch, long runId)
    {
        if (batch.DeleteAllFrames)
        {
            // Removing every frame ends the batch's frame changes (any others in it are moot), as it did in the frame table.
            if (!_runsWithFrames.Contains(runId))
            {
                return null;
            }

            _pendingFramelessRuns.Add(runId);
            return _frameChanges.Encode([], [], allRemoved: true);
        }

        if (batch.Frames.Count == 0 && batch.DeletedFrames.Count == 0)
        {
            return null;
        }

        if (batch.Frames.Count > 0)
        {
            _runsWithFrames.Add(runId);
        }

        return _frameChanges.Encode(batch.Frames, batch.DeletedFrames, allRemoved: false);
    }

    /// <summary>
    /// Every execution of a state machine version shares its definition: it is stored once and referenced. The same
    /// string instance comes with every execution of a version: checking it by reference first saves hashing the
    /// whole definition text on every commit.
    /// </summary>
    private string DefinitionIdLocked(string definition)
    {
        if (ReferenceEquals(definition, _lastDefinition.Text))
        {
            return _lastDefinition.Id!;
        }

        if (!_storedDefinitionIds.TryGetValue(definition, out var definitionId))
        {
            definitionId = DefinitionId(definition);
            Run(_insertDefinition, definitionId, definition);
            _pendingDefinitions.Add((definition, definitionId));
        }
        else
        {
            _lastDefinition = (definition, definitionId);
        }

        return definitionId;
    }

    public IReadOnlyList<StateMachineRecord> LoadStateMachines() =>
        Query("SELECT arn, name, definition, role_arn, type, creation_date FROM state_machines", r => new StateMachineRecord(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), Date(r, 5)));

    public IReadOnlyList<ExecutionRecord> LoadExecutions()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            MovePendingLocked(mayRotate: false);
            return LoadExecutionsLocked();
        }
    }

    public IReadOnlyList<ExecutionRecord> LoadRunningExecutions()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            MovePendingLocked(mayRotate: false);
            return LoadExecutionsLocked("WHERE e.status = 'RUNNING'");
        }
    }

    public IReadOnlyList<ExecutionSummary> LoadExecutionSummaries(string stateMachineArn, string? status, int limit)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            MovePendingLocked(mayRotate: false);

            // Only the leading columns: a row's input, output and packed events, often in overflow pages, are not read.
            // SQLite keeps the first `limit` while it scans instead of sorting every row.
            return Query(
                $"""
                SELECT arn, state_machine_arn, name, status, start_date, stop_date FROM runs
                WHERE state_machine_arn = $p0 AND ($p1 IS NULL OR status = $p1)
                ORDER BY start_date DESC, name COLLATE {OrdinalCollation} LIMIT $p2
                """,
                r => new ExecutionSummary(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Date(r, 4), NullableDate(r, 5)),
                stateMachineArn,
                status,
                limit);
        }
    }

    public ExecutionRecord? LoadExecution(string executionArn)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // Found through the journal's map of run ids (runs has no index on arn: it would be one more page per commit).
            if (!TryGetRunId(executionArn, out var runId))
            {
                return null;
            }

            MoveIfLoggedLocked(runId);
            var found = LoadExecutionsLocked("WHERE e.id = $p0", runId);
            return found.Count == 0 ? null : found[0];
        }
    }

    private List<ExecutionRecord> LoadExecutionsLocked(string where = "", params object?[] values) =>
        Query($"""
            SELECT e.arn, e.state_machine_arn, e.name, e.status, e.start_date, e.stop_date, e.input, e.output, e.error, e.cause,
                COALESCE(d.definition, e.definition), e.role_arn, e.timeout_at
            FROM runs e LEFT JOIN definitions d ON d.id = e.definition {where} ORDER BY e.id
            """, r => new ExecutionRecord(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Date(r, 4), NullableDate(r, 5), r.GetString(6),
                NullableString(r, 7), NullableString(r, 8), NullableString(r, 9), r.GetString(10), r.GetString(11), NullableDate(r, 12)),
            values);

    public IReadOnlyList<HistoryEvent> LoadHistory(string executionArn)
    {
        lock (_sync)
        {
            var history = _hasLegacyEvents
                ? Query("SELECT id, previous_id, timestamp, type, details FROM events WHERE execution_arn = $p0 ORDER BY id",
                    r => new HistoryEvent(r.GetInt64(0), r.GetInt64(1), Date(r, 2), r.GetString(3), NullableString(r, 4)),
                    executionArn)
                : [];
            if (!TryGetRunId(executionArn, out var runId))
            {
                return history;
            }

            MoveIfLoggedLocked(runId);

            // The first batch, in the run's row, comes before every later one. Rows hold UTF-8 JSON as TEXT (older
            // journals) or as a BLOB, either of them plain or compressed (PackedEventsCompression): all read back as bytes.
            var packed = Query("SELECT first_events FROM runs WHERE id = $p0 AND first_events IS NOT NULL", r => r.GetFieldValue<byte[]>(0), runId);
            packed.AddRange(BatchColumnLocked(runId, column: 0));
            var legacyEvents = history.Count;
            foreach (var batch in packed)
            {
                HistoryEventPacking.Unpack(PackedEventsCompression.Decode(batch), history);
            }

            if (legacyEvents > 0 && packed.Count > 0)
            {
                // Rows from both tables only when an older journal was continued; event ids are unique across them.
                history.Sort(static (a, b) => a.Id.CompareTo(b.Id));
            }

            return history;
        }
    }

    public IReadOnlyList<FrameRecord> LoadFrames(string executionArn)
    {
        lock (_sync)
        {
            // A run still in the run log has no frames (it ended in its first batch): nothing to move for it.
            if (!TryGetRunId(executionArn, out var runId))
            {
                return [];
            }

            // The frames are what the run's commits left, replayed in commit order.
            var frames = new Dictionary<string, FrameRecord>(StringComparer.Ordinal);
            foreach (var changes in BatchColumnLocked(runId, column: 1))
            {
                FrameChanges.Apply(changes, frames);
            }

            return [.. frames.Values.OrderBy(f => f.Id, StringComparer.Ordinal)];
        }
    }

    private bool TryGetRunId(string executionArn, out long runId)
    {
        lock (_idsGate)
        {
            return _runIds.TryGetValue(executionArn, out runId);
        }
    }

    /// <summary>Moves the run log's records into SQLite when <paramref name="runId"/> may be one of them, so its row can be read.</summary>
    private void MoveIfLoggedLocked(long runId)
    {
        if (_runLog is null)
        {
            return;
        }

        bool logged;
        lock (_runLog.Gate)
        {
            // Records are appended in run id order: one at or above the first pending is pending, or a SQLite row
            // written meanwhile (moving then is merely early).
            logged = runId >= _runLog.Pending.FirstRunId;
        }

        if (logged)
        {
            MovePendingLocked(mayRotate: false);
        }
    }

    /// <summary>
    /// Inserts every record pending in the run log into the runs table, in one transaction (under <see cref="_sync"/>,
    /// as every SQLite write). A failed move puts them back, ahead of any appended meanwhile. With
    /// <paramref name="mayRotate"/> (the mover) a long log file is retired first (see <see cref="RunLog.Take"/>).
    /// </summary>
    private void MovePendingLocked(bool mayRotate)
    {
        if (_runLog is null)
        {
            return;
        }

        RunLogBuffer? taken;
        lock (_runLog.Gate)
        {
            taken = _runLog.Take(mayRotate);
        }

        if (taken is null)
        {
            return;
        }

        long rowBytes;
        try
        {
            _begin.ExecuteNonQuery();
            try
            {
                var log = taken.Bytes.AsSpan(0, taken.Length);
                var offset = 0;
                rowBytes = 0;
                for (var i = 0; i < taken.Count; i++)
                {
                    // Written by this process a moment ago: a record that does not read back is a bug, not a torn tail.
                    if (!RunLogRecord.TryRead(log, ref offset, out var payload))
                    {
                        throw new InvalidDataException($"Run log record {i} of {taken.Count} pending does not read back.");
                    }

                    rowBytes += RunLogRecord.Bind(payload, _insertRun);
                    _insertRun.Execute();
                }

                _commit.ExecuteNonQuery();
            }
            catch
            {
                Rollback();
                throw;
            }
        }
        catch
        {
            lock (_runLog.Gate)
            {
                _runLog.NotMoved(taken);
            }

            throw;
        }

        // About what the rows add to the WAL.
        _walFlusher.Committed(rowBytes);
        lock (_runLog.Gate)
        {
            _runLog.Moved(taken);
        }
    }

    /// <summary>
    /// The mover's thread: waits until records are pending, lets more gather (<see cref="MoveDelay"/>, or until
    /// <see cref="MoveAfterRecords"/> are pending), moves them, and reuses a retired log file once its records are
    /// durable. A failed move is tried again after the delay; the records stay in the log meanwhile.
    /// </summary>
    private void RunMover()
    {
        while (true)
        {
            lock (_moverGate)
            {
                while (!_moveRequested && !_stopMover)
                {
                    Monitor.Wait(_moverGate);
                }

                if (!_moveNow && !_stopMover)
                {
                    Monitor.Wait(_moverGate, MoveDelay);
                }

                if (_stopMover)
                {
                    return;
                }

                _moveRequested = false;
                _moveNow = false;
            }

            try
            {
                MoveAndReuseRetired();
            }
            catch (Exception)
            {
                // Whatever failed (a full disk, a file gone), nothing is lost: the records are in the log file, and
                // pending again. Tried again after a pause; an exception left to end this thread would end the process.
                lock (_moverGate)
                {
                    _moveRequested = true;
                    Monitor.Wait(_moverGate, MoveDelay);
                }
            }
        }
    }

    /// <summary>
    /// Moves the pending records (retiring a long log file) and, once every record of the retired file is committed,
    /// syncs the WAL and only then starts a new generation in that file: from the append to the reuse, each record is
    /// durable in the log or in SQLite, never in neither.
    /// </summary>
    internal void MoveAndReuseRetired()
    {
        bool retired;
        lock (_sync)
        {
            if (_disposed || _runLog is null)
            {
                return;
            }

            MovePendingLocked(mayRotate: true);
            lock (_runLog.Gate)
            {
                retired = _runLog.RetiredAndMoved();
            }

            if (retired)
            {
                // Not to be disposed while the sync below uses it: Dispose stops this thread first.
                _wal ??= OpenWal(_path);
            }
        }

        if (!retired)
        {
            return;
        }

        // Syncing the WAL makes every commit before it durable, the moves of the retired file's records among them
        // (a checkpoint since has synced the database file itself). The sync need not hold the lock: later commits
        // only add to the WAL.
        if (_wal is not null)
        {
            RandomAccess.FlushToDisk(_wal);
        }

        lock (_runLog.Gate)
        {
            _runLog.ReuseRetired();
        }
    }

    /// <summary>Bytes of run log file <paramref name="index"/> (0 or 1) that hold its header and its generation's records.</summary>
    internal long RunLogLength(int index)
    {
        if (_runLog is null)
        {
            return 0;
        }

        lock (_runLog.Gate)
        {
            return _runLog.LengthOf(index);
        }
    }

    /// <summary>Run log records appended and not yet committed in SQLite (pending, or in a move not yet committed).</summary>
    internal int PendingRunLogRecords
    {
        get
        {
            if (_runLog is null)
            {
                return 0;
            }

            lock (_runLog.Gate)
            {
                return _runLog.Pending.Count + _runLog.Moving;
            }
        }
    }

    /// <summary>One column (0: events, 1: frame changes) of the run's batch rows that have it, in commit order.</summary>
    private List<byte[]> BatchColumnLocked(long runId, int column)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var values = new List<byte[]>();
        foreach (var batchId in CommittedBatchIdsLocked(runId))
        {
            _selectBatch.Parameters[0].Value = batchId;
            using var reader = _selectBatch.ExecuteReader();
            if (!reader.Read())
            {
                throw new InvalidOperationException($"Batch row {batchId} of run {runId} is missing from the journal.");
            }

            if (!reader.IsDBNull(column))
            {
                values.Add(reader.GetFieldValue<byte[]>(column));
            }
        }

        return values;
    }

    /// <summary>
    /// Moves every record still in the run log into SQLite, syncs it, and deletes the log; if that fails the log stays,
    /// and the next open replays it.
    /// </summary>
    public void Dispose()
    {
        if (_mover is not null)
        {
            lock (_moverGate)
            {
                _stopMover = true;
                Monitor.PulseAll(_moverGate);
            }

            _mover.Join();
        }

        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            if (_runLog is not null)
            {
                lock (_runLog.Gate)
                {
                    _runLog.Closed = true;
                }

                var moved = false;
                try
                {
                    MovePendingLocked(mayRotate: false);
                    using var wal = OpenWal(_path);
                    if (wal is not null)
                    {
                        RandomAccess.FlushToDisk(wal);
                    }

                    moved = true;
                }
                catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
                {
                    // Left for the next open to replay.
                }

                _runLog.Dispose();
                if (moved)
                {
                    RunLog.DeleteFiles(_path);
                }
            }

            _disposed = true;
            _wal?.Dispose();
            _walFlusher.Dispose();
            _begin.Dispose();
            _commit.Dispose();
            _rollback.Dispose();
            _insertRun.Dispose();
            _updateRun.Dispose();
            _insertDefinition.Dispose();
            _insertBatch.Dispose();
            _selectBatch.Dispose();
            _recordBatchIds.Dispose();
            _moveWatermark.Dispose();
            _connection.Dispose();
        }
    }

    private static string DefinitionId(string definition) =>
        DefinitionReferencePrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(definition)));

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    private static void Run(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        command.ExecuteNonQuery();
    }

    private void Execute(string sql, params object?[] values)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters.AddWithValue($"$p{i}", values[i] ?? DBNull.Value);
            }

            command.ExecuteNonQuery();
        }
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params object?[] values)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters.AddWithValue($"$p{i}", values[i] ?? DBNull.Value);
            }

            using var reader = command.ExecuteReader();
            var results = new List<T>();
            while (reader.Read())
            {
                results.Add(read(reader));
            }

            return results;
        }
    }

    internal static DateTimeOffset Date(SqliteDataReader reader, int ordinal) => new(reader.GetInt64(ordinal), TimeSpan.Zero);

    internal static DateTimeOffset? NullableDate(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Date(reader, ordinal);

    internal static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
