using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using FileUploader.StateMachine.History;
using Microsoft.Data.Sqlite;

namespace FileUploader.StateMachine.Journal;

/// <summary>How hard each commit pushes to disk.</summary>
public enum JournalDurability
{
    /// <summary>
    /// WAL with synchronous=NORMAL (the default): a commit is in the WAL file before Write returns, so it survives
    /// the process being killed at any point; only an OS crash or power loss may roll back the last few commits.
    /// That matches what the engine must survive (a crashed or restarted server) at a fraction of FULL's cost,
    /// because a commit does not wait for an fsync.
    /// </summary>
    Normal,

    /// <summary>WAL with synchronous=FULL: every commit is fsynced; survives power loss, costs an fsync per commit.</summary>
    Full,
}

/// <summary>
/// The durable journal: one SQLite file in WAL mode. One connection, guarded by a lock, with prepared statements;
/// each <see cref="Write"/> is committed before it returns, in one transaction shared with the batches other writers
/// queued meanwhile (group commit). Checkpoints run on a second connection (<see cref="WalCheckpointer"/>).
/// </summary>
public sealed class SqliteExecutionJournal : IExecutionJournal, IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS state_machines (
            arn TEXT PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL, role_arn TEXT NOT NULL,
            type TEXT NOT NULL, creation_date INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS executions (
            arn TEXT PRIMARY KEY, state_machine_arn TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
            start_date INTEGER NOT NULL, stop_date INTEGER, input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
            definition TEXT NOT NULL, role_arn TEXT NOT NULL, timeout_at INTEGER);
        CREATE TABLE IF NOT EXISTS events (
            execution_arn TEXT NOT NULL, id INTEGER NOT NULL, previous_id INTEGER NOT NULL, timestamp INTEGER NOT NULL,
            type TEXT NOT NULL, details TEXT, PRIMARY KEY (execution_arn, id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS frames (
            execution_arn TEXT NOT NULL, frame_id TEXT NOT NULL, parent_id TEXT, idx INTEGER NOT NULL, state_name TEXT NOT NULL,
            phase INTEGER NOT NULL, step INTEGER NOT NULL, input TEXT NOT NULL, variables TEXT, retry_counts TEXT,
            due_at INTEGER, entered_at INTEGER NOT NULL, last_event_id INTEGER NOT NULL, status TEXT NOT NULL,
            output TEXT, error TEXT, cause TEXT, PRIMARY KEY (execution_arn, frame_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS definitions (id TEXT PRIMARY KEY, definition TEXT NOT NULL) WITHOUT ROWID;
        -- A rowid table (files from before keep their WITHOUT ROWID one, which works the same): a WITHOUT ROWID
        -- row over about 1 KiB spills into overflow pages, and a commit's packed events are usually a few KiB.
        CREATE TABLE IF NOT EXISTS event_batches (
            execution_arn TEXT NOT NULL, first_id INTEGER NOT NULL, events TEXT NOT NULL,
            PRIMARY KEY (execution_arn, first_id));
        """;

    /// <summary>
    /// Prefix of an executions.definition value that names a row of the definitions table. A definition is JSON
    /// and so never starts with this; rows written before the table existed hold the definition itself.
    /// </summary>
    private const string DefinitionReferencePrefix = "sha256:";

    /// <summary>Bounds the memory of definitions already known to be stored (a handful per state machine in practice).</summary>
    private const int MaxKnownDefinitions = 1024;

    private readonly Lock _sync = new();
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _upsertExecution;
    private readonly SqliteCommand _insertDefinition;
    private readonly Dictionary<string, string> _storedDefinitionIds = new(StringComparer.Ordinal);
    private readonly SqliteCommand _insertEventBatch;
    private readonly HistoryEventPacking _packing = new();
    private readonly SqliteCommand _upsertFrame;
    private readonly SqliteCommand _deleteFrame;
    private readonly SqliteCommand _deleteAllFrames;
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly WalCheckpointer _checkpointer;

    /// <summary>The definition (by reference) and id of the last execution written whose definition was already stored.</summary>
    private (string? Text, string? Id) _lastDefinition;

    /// <summary>Definitions the open transaction stores, remembered as stored once it commits.</summary>
    private readonly List<(string Definition, string Id)> _pendingDefinitions = [];

    /// <summary>Guards the group-commit queue (<see cref="Write"/>); never held while <see cref="_sync"/> is.</summary>
    private readonly object _queueGate = new();
    private readonly List<PendingWrite> _queue = [];
    private bool _committing;
    private bool _disposed;

    private SqliteExecutionJournal(SqliteConnection connection, WalCheckpointer checkpointer)
    {
        _connection = connection;
        _checkpointer = checkpointer;

        // Prepared once: SqliteConnection.BeginTransaction/Commit parse "BEGIN"/"COMMIT" again on every call.
        _begin = Prepare("BEGIN");
        _commit = Prepare("COMMIT");
        _rollback = Prepare("ROLLBACK");
        // Only the status columns change after an execution started; updating just those (instead of REPLACE,
        // which deletes and re-inserts the row and its index entry) keeps a finishing commit small.
        _upsertExecution = Prepare("""
            INSERT INTO executions (arn, state_machine_arn, name, status, start_date, stop_date, input, output, error, cause, definition, role_arn, timeout_at)
            VALUES ($arn, $sm, $name, $status, $start, $stop, $input, $output, $error, $cause, $definition, $role, $timeout)
            ON CONFLICT (arn) DO UPDATE SET status = excluded.status, stop_date = excluded.stop_date, output = excluded.output,
                error = excluded.error, cause = excluded.cause
            """, "$arn", "$sm", "$name", "$status", "$start", "$stop", "$input", "$output", "$error", "$cause", "$definition", "$role", "$timeout");
        _insertEventBatch = Prepare("""
            INSERT OR REPLACE INTO event_batches (execution_arn, first_id, events) VALUES ($arn, $first, $events)
            """, "$arn", "$first", "$events");
        _upsertFrame = Prepare("""
            INSERT OR REPLACE INTO frames (execution_arn, frame_id, parent_id, idx, state_name, phase, step, input, variables, retry_counts,
                due_at, entered_at, last_event_id, status, output, error, cause)
            VALUES ($arn, $id, $parent, $idx, $state, $phase, $step, $input, $variables, $retry, $due, $entered, $last, $status, $output, $error, $cause)
            """, "$arn", "$id", "$parent", "$idx", "$state", "$phase", "$step", "$input", "$variables", "$retry", "$due", "$entered", "$last", "$status", "$output", "$error", "$cause");
        _deleteFrame = Prepare("DELETE FROM frames WHERE execution_arn = $arn AND frame_id = $id", "$arn", "$id");
        _deleteAllFrames = Prepare("DELETE FROM frames WHERE execution_arn = $arn", "$arn");
        _insertDefinition = Prepare("INSERT OR IGNORE INTO definitions (id, definition) VALUES ($id, $definition)", "$id", "$definition");
    }

    public bool IsDurable => true;

    /// <summary>Opens (creating if needed) the journal file at <paramref name="path"/>.</summary>
    public static SqliteExecutionJournal Open(string path, JournalDurability durability = JournalDurability.Normal)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            // wal_autocheckpoint = 0: the commit that crosses SQLite's checkpoint threshold would otherwise copy the
            // WAL into the database and fsync it (milliseconds, every couple of hundred commits) before it returns.
            // WalCheckpointer does that on its own thread and connection instead. A commit is in the WAL file either
            // way, so what survives a crash is unchanged.
            pragma.CommandText = $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {(durability == JournalDurability.Full ? "FULL" : "NORMAL")};
                PRAGMA busy_timeout = 5000;
                PRAGMA wal_autocheckpoint = 0;
                {Schema}
                """;
            pragma.ExecuteNonQuery();
        }

        return new SqliteExecutionJournal(connection, new WalCheckpointer(path));
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
    public void Write(ExecutionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
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

    private void CommitGroup(List<PendingWrite> group)
    {
        lock (_sync)
        {
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
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
            catch (ObjectDisposedException disposed)
            {
                foreach (var write in group)
                {
                    write.Failure = disposed;
                }
            }
        }
    }

    /// <summary>One transaction for <paramref name="writes"/>; false (and rolled back) when it failed.</summary>
    private bool TryCommit(List<PendingWrite> writes, out Exception? failure)
    {
        try
        {
            _begin.ExecuteNonQuery();
            try
            {
                foreach (var write in writes)
                {
                    WriteLocked(write.Batch);
                }

                _commit.ExecuteNonQuery();
            }
            catch
            {
                Rollback();
                _pendingDefinitions.Clear();
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
        _checkpointer.Committed();
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

    /// <summary>The statements of one batch, inside the transaction <see cref="Write"/> opened.</summary>
    private void WriteLocked(ExecutionBatch batch)
    {
        if (batch.Execution is { } e)
        {
            // Every execution of a state machine version shares its definition: store it once and reference it.
            // The same string instance comes with every execution of a version: checking it by reference first
            // saves hashing the whole definition text on every commit.
            string? definitionId;
            if (ReferenceEquals(e.Definition, _lastDefinition.Text))
            {
                definitionId = _lastDefinition.Id;
            }
            else if (!_storedDefinitionIds.TryGetValue(e.Definition, out definitionId))
            {
                definitionId = DefinitionId(e.Definition);
                Run(_insertDefinition, definitionId, e.Definition);
                _pendingDefinitions.Add((e.Definition, definitionId));
            }
            else
            {
                _lastDefinition = (e.Definition, definitionId);
            }

            Run(_upsertExecution, e.Arn, e.StateMachineArn, e.Name, e.Status, e.StartDate.UtcTicks, e.StopDate?.UtcTicks,
                e.Input, e.Output, e.Error, e.Cause, definitionId, e.RoleArn, e.TimeoutAt?.UtcTicks);
        }

        if (batch.PackedEvents is { } packed)
        {
            // Already packed by the engine as the events happened: stored as they are, as the UTF-8 bytes they are
            // (a BLOB; LoadHistory reads TEXT and BLOB rows alike), with no conversion to a string and back.
            Run(_insertEventBatch, batch.ExecutionArn, batch.FirstPackedEventId, packed);
        }
        else if (batch.Events.Count > 0)
        {
            // One row per commit; the events table holds only what journals written before event_batches existed.
            Run(_insertEventBatch, batch.ExecutionArn, batch.Events[0].Id, _packing.Pack(batch.Events));
        }

        if (batch.DeleteAllFrames)
        {
            Run(_deleteAllFrames, batch.ExecutionArn);
            return;
        }

        foreach (var id in batch.DeletedFrames)
        {
            Run(_deleteFrame, batch.ExecutionArn, id);
        }

        foreach (var f in batch.Frames)
        {
            Run(_upsertFrame, batch.ExecutionArn, f.Id, f.ParentId, f.Index, f.StateName, f.Phase, f.Step, f.Input,
                f.Variables, f.RetryCounts, f.DueAt?.UtcTicks, f.EnteredAt.UtcTicks, f.LastEventId, f.Status, f.Output, f.Error, f.Cause);
        }
    }

    public IReadOnlyList<StateMachineRecord> LoadStateMachines() =>
        Query("SELECT arn, name, definition, role_arn, type, creation_date FROM state_machines", r => new StateMachineRecord(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), Date(r, 5)));

    public IReadOnlyList<ExecutionRecord> LoadExecutions() =>
        Query("""
            SELECT e.arn, e.state_machine_arn, e.name, e.status, e.start_date, e.stop_date, e.input, e.output, e.error, e.cause,
                COALESCE(d.definition, e.definition), e.role_arn, e.timeout_at
            FROM executions e LEFT JOIN definitions d ON d.id = e.definition
            """, r => new ExecutionRecord(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Date(r, 4), NullableDate(r, 5), r.GetString(6),
                NullableString(r, 7), NullableString(r, 8), NullableString(r, 9), r.GetString(10), r.GetString(11), NullableDate(r, 12)));

    public IReadOnlyList<HistoryEvent> LoadHistory(string executionArn)
    {
        var history = Query("SELECT id, previous_id, timestamp, type, details FROM events WHERE execution_arn = $p0 ORDER BY id",
            r => new HistoryEvent(r.GetInt64(0), r.GetInt64(1), Date(r, 2), r.GetString(3), NullableString(r, 4)),
            executionArn);
        // Rows hold UTF-8 JSON as TEXT (older journals) or as a BLOB: both read back as their UTF-8 bytes.
        var packed = Query("SELECT events FROM event_batches WHERE execution_arn = $p0 ORDER BY first_id", r => r.GetFieldValue<byte[]>(0), executionArn);
        if (packed.Count == 0)
        {
            return history;
        }

        var legacyEvents = history.Count;
        foreach (var batch in packed)
        {
            HistoryEventPacking.Unpack(batch, history);
        }

        if (legacyEvents > 0)
        {
            // Rows from both tables only when an older journal was continued; event ids are unique across them.
            history.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        }

        return history;
    }

    public IReadOnlyList<FrameRecord> LoadFrames(string executionArn) =>
        Query("""
            SELECT frame_id, parent_id, idx, state_name, phase, step, input, variables, retry_counts, due_at, entered_at, last_event_id, status, output, error, cause
            FROM frames WHERE execution_arn = $p0
            """, r => new FrameRecord(
                r.GetString(0), NullableString(r, 1), r.GetInt32(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5), r.GetString(6),
                NullableString(r, 7), NullableString(r, 8), NullableDate(r, 9), Date(r, 10), r.GetInt64(11), r.GetString(12),
                NullableString(r, 13), NullableString(r, 14), NullableString(r, 15)),
            executionArn);

    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _checkpointer.Dispose();
            _begin.Dispose();
            _commit.Dispose();
            _rollback.Dispose();
            _upsertExecution.Dispose();
            _insertDefinition.Dispose();
            _insertEventBatch.Dispose();
            _upsertFrame.Dispose();
            _deleteFrame.Dispose();
            _deleteAllFrames.Dispose();
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

    private static DateTimeOffset Date(SqliteDataReader reader, int ordinal) => new(reader.GetInt64(ordinal), TimeSpan.Zero);

    private static DateTimeOffset? NullableDate(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Date(reader, ordinal);

    private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
