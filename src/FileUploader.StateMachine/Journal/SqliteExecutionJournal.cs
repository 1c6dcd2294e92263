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
/// each <see cref="Write"/> is one transaction.
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
        CREATE TABLE IF NOT EXISTS event_batches (
            execution_arn TEXT NOT NULL, first_id INTEGER NOT NULL, events TEXT NOT NULL,
            PRIMARY KEY (execution_arn, first_id)) WITHOUT ROWID;
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
    private bool _disposed;

    private SqliteExecutionJournal(SqliteConnection connection)
    {
        _connection = connection;
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
            pragma.CommandText = $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {(durability == JournalDurability.Full ? "FULL" : "NORMAL")};
                PRAGMA busy_timeout = 5000;
                {Schema}
                """;
            pragma.ExecuteNonQuery();
        }

        return new SqliteExecutionJournal(connection);
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

    public void Write(ExecutionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _connection.BeginTransaction();
            (string Definition, string Id)? newDefinition = null;
            if (batch.Execution is { } e)
            {
                // Every execution of a state machine version shares its definition: store it once and reference it.
                if (!_storedDefinitionIds.TryGetValue(e.Definition, out var definitionId))
                {
                    definitionId = DefinitionId(e.Definition);
                    Run(_insertDefinition, transaction, definitionId, e.Definition);
                    newDefinition = (e.Definition, definitionId);
                }

                Run(_upsertExecution, transaction, e.Arn, e.StateMachineArn, e.Name, e.Status, e.StartDate.UtcTicks, e.StopDate?.UtcTicks,
                    e.Input, e.Output, e.Error, e.Cause, definitionId, e.RoleArn, e.TimeoutAt?.UtcTicks);
            }

            if (batch.Events.Count > 0)
            {
                // One row per commit; the events table holds only what journals written before event_batches existed.
                Run(_insertEventBatch, transaction, batch.ExecutionArn, batch.Events[0].Id, _packing.Pack(batch.Events));
            }

            if (batch.DeleteAllFrames)
            {
                Run(_deleteAllFrames, transaction, batch.ExecutionArn);
            }
            else
            {
                foreach (var id in batch.DeletedFrames)
                {
                    Run(_deleteFrame, transaction, batch.ExecutionArn, id);
                }

                foreach (var f in batch.Frames)
                {
                    Run(_upsertFrame, transaction, batch.ExecutionArn, f.Id, f.ParentId, f.Index, f.StateName, f.Phase, f.Step, f.Input,
                        f.Variables, f.RetryCounts, f.DueAt?.UtcTicks, f.EnteredAt.UtcTicks, f.LastEventId, f.Status, f.Output, f.Error, f.Cause);
                }
            }

            transaction.Commit();
            if (newDefinition is { } stored)
            {
                // Only once committed: a rolled-back transaction did not store it.
                if (_storedDefinitionIds.Count >= MaxKnownDefinitions)
                {
                    _storedDefinitionIds.Clear();
                }

                _storedDefinitionIds[stored.Definition] = stored.Id;
            }
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
        var packed = Query("SELECT events FROM event_batches WHERE execution_arn = $p0 ORDER BY first_id", r => r.GetString(0), executionArn);
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

    private static void Run(SqliteCommand command, SqliteTransaction transaction, params object?[] values)
    {
        command.Transaction = transaction;
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
