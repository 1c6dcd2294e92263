using Microsoft.Data.Sqlite;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// The tables of <see cref="SqliteExecutionJournal"/>, and the moves that bring a file written by an earlier version to
/// them. Run once, inside the transaction that opens the journal, so a file is either upgraded whole or left as it was.
/// </summary>
internal static class SqliteJournalSchema
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS state_machines (
            arn TEXT PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL, role_arn TEXT NOT NULL,
            type TEXT NOT NULL, creation_date INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS definitions (id TEXT PRIMARY KEY, definition TEXT NOT NULL) WITHOUT ROWID;
        -- first_events: the packed events of the execution's first batch when the execution ended in it (else null).
        -- batch_ids: the ids of its run_events rows (BatchIds), as of the last time the row was written.
        CREATE TABLE IF NOT EXISTS runs (
            id INTEGER PRIMARY KEY, arn TEXT NOT NULL, state_machine_arn TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
            start_date INTEGER NOT NULL, stop_date INTEGER, input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
            definition TEXT NOT NULL, role_arn TEXT NOT NULL, timeout_at INTEGER, first_events BLOB, batch_ids BLOB);
        """;

    /// <summary>
    /// Every other commit of an execution is one row appended here: its packed events and its frame changes
    /// (<see cref="FrameChanges"/>), either may be null. Packed events, here and in runs.first_events, are stored
    /// compressed when that shrinks them (<see cref="PackedEventsCompression"/>): more rows share each leaf page. The journal numbers the rows in commit order, so every insert
    /// lands on the table's last leaf, which the other commits of a group share; a rowid table, because a WITHOUT ROWID
    /// row over about 1 KiB spills into overflow pages.
    /// </summary>
    /// <remarks>
    /// No index on run_id: it was one more page written by nearly every commit (its entries for the executions in
    /// flight sit in the middle of its last leaves). An execution's rows are found instead through runs.batch_ids, kept
    /// whole by this invariant: every row whose id is below batch_watermark.recorded_below is listed in its run's
    /// batch_ids. A run's row is written with its complete list whenever it is written anyway (its start, its status
    /// changes, its end); now and then (<see cref="SqliteExecutionJournal.RecordBatchIdsAfterRows"/>) one commit also writes the lists of the
    /// RUNNING executions that gained rows since and moves the watermark up. At open, the rows at or above the
    /// watermark (a bounded few) are scanned once, and RUNNING executions' lists live in memory from then on.
    /// </remarks>
    internal const string BatchSchema = """
        CREATE TABLE IF NOT EXISTS run_events (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, events BLOB, frames BLOB);
        CREATE TABLE IF NOT EXISTS batch_watermark (id INTEGER PRIMARY KEY CHECK (id = 0), recorded_below INTEGER NOT NULL);
        """;

    /// <summary>
    /// The batch and frame tables as journals wrote them before <see cref="BatchSchema"/> (session 3): one row per batch
    /// keyed (run_id, first_id), frames in a table of their own. Created only to move ARN-keyed journals into them.
    /// </summary>
    private const string RunTablesBeforeBatchRows = """
        CREATE TABLE IF NOT EXISTS run_events (
            run_id INTEGER NOT NULL, first_id INTEGER NOT NULL, events BLOB NOT NULL, PRIMARY KEY (run_id, first_id));
        CREATE TABLE IF NOT EXISTS run_frames (
            run_id INTEGER NOT NULL, frame_id TEXT NOT NULL, parent_id TEXT, idx INTEGER NOT NULL, state_name TEXT NOT NULL,
            phase INTEGER NOT NULL, step INTEGER NOT NULL, input TEXT NOT NULL, variables TEXT, retry_counts TEXT,
            due_at INTEGER, entered_at INTEGER NOT NULL, last_event_id INTEGER NOT NULL, status TEXT NOT NULL,
            output TEXT, error TEXT, cause TEXT, PRIMARY KEY (run_id, frame_id)) WITHOUT ROWID;
        """;

    /// <summary>
    /// Moves the rows of <see cref="RunTablesBeforeBatchRows"/> into <see cref="BatchSchema"/>'s table, in the transaction
    /// that opens the journal: each run's batches in event order (so rowid order is event order), then one row per run
    /// holding its frames as upserts (<see cref="MigrateFrames"/>), then every run's batch_ids (<see cref="RecordAllBatchIds"/>).
    /// </summary>
    private const string MigrateBatchesToRows = $"""
        ALTER TABLE run_events RENAME TO run_events_before_batch_rows;
        {BatchSchema}
        INSERT INTO run_events (run_id, events)
            SELECT run_id, events FROM run_events_before_batch_rows ORDER BY run_id, first_id;
        DROP TABLE run_events_before_batch_rows;
        """;

    /// <summary>
    /// Moves a journal written before the runs tables existed (tables keyed by ARN) into them, in the transaction
    /// that opens it. A rowid is kept as the run's id, so batches and frames find their run through the old ARN index.
    /// The per-event table of even older journals is left as it is and still read by <see cref="SqliteExecutionJournal.LoadHistory"/>.
    /// </summary>
    private const string MigrateArnKeyedTables = """
        INSERT INTO runs (id, arn, state_machine_arn, name, status, start_date, stop_date, input, output, error, cause, definition, role_arn, timeout_at)
            SELECT rowid, arn, state_machine_arn, name, status, start_date, stop_date, input, output, error, cause, definition, role_arn, timeout_at
            FROM executions;
        INSERT INTO run_events (run_id, first_id, events)
            SELECT e.rowid, b.first_id, b.events FROM event_batches b JOIN executions e ON e.arn = b.execution_arn;
        INSERT INTO run_frames (run_id, frame_id, parent_id, idx, state_name, phase, step, input, variables, retry_counts, due_at,
                entered_at, last_event_id, status, output, error, cause)
            SELECT e.rowid, f.frame_id, f.parent_id, f.idx, f.state_name, f.phase, f.step, f.input, f.variables, f.retry_counts, f.due_at,
                f.entered_at, f.last_event_id, f.status, f.output, f.error, f.cause
            FROM frames f JOIN executions e ON e.arn = f.execution_arn;
        DROP TABLE event_batches;
        DROP TABLE frames;
        DROP TABLE executions;
        """;

    /// <summary>Creates the tables a new file needs, or upgrades an older file's, on <paramref name="command"/>'s connection.</summary>
    public static void CreateOrUpgrade(SqliteCommand command)
    {
        command.CommandText = Schema;
        command.ExecuteNonQuery();
        if (HasTable(command, "executions"))
        {
            command.CommandText = RunTablesBeforeBatchRows + MigrateArnKeyedTables;
            command.ExecuteNonQuery();
        }

        if (!HasColumn(command, "runs", "batch_ids"))
        {
            command.CommandText = "ALTER TABLE runs ADD COLUMN batch_ids BLOB";
            command.ExecuteNonQuery();
        }

        if (HasColumn(command, "run_events", "first_id"))
        {
            command.CommandText = MigrateBatchesToRows;
            command.ExecuteNonQuery();
            MigrateFrames(command.Connection!);
            RecordAllBatchIds(command.Connection!);
        }

        command.CommandText = BatchSchema;
        command.ExecuteNonQuery();

        if (HasTable(command, "events"))
        {
            // Journals of the last two versions all have this table, almost always empty: keep it only if it is not.
            command.CommandText = "SELECT EXISTS (SELECT 1 FROM events)";
            if ((long)command.ExecuteScalar()! == 0)
            {
                command.CommandText = "DROP TABLE events";
                command.ExecuteNonQuery();
            }
        }
    }

    /// <summary>
    /// Moves the frames of a journal from before batch rows (a table of their own) into one batch row per run, as
    /// upserts, and drops their table. Only RUNNING executions have frames left, a handful of rows each.
    /// </summary>
    private static void MigrateFrames(SqliteConnection connection)
    {
        var byRun = new SortedDictionary<long, List<FrameRecord>>();
        using (var select = connection.CreateCommand())
        {
            select.CommandText = """
                SELECT run_id, frame_id, parent_id, idx, state_name, phase, step, input, variables, retry_counts, due_at, entered_at,
                    last_event_id, status, output, error, cause
                FROM run_frames ORDER BY run_id, frame_id
                """;
            using var r = select.ExecuteReader();
            while (r.Read())
            {
                var runId = r.GetInt64(0);
                if (!byRun.TryGetValue(runId, out var frames))
                {
                    byRun[runId] = frames = [];
                }

                frames.Add(new FrameRecord(
                    r.GetString(1), SqliteExecutionJournal.NullableString(r, 2), r.GetInt32(3), r.GetString(4), r.GetInt32(5), r.GetInt32(6), r.GetString(7),
                    SqliteExecutionJournal.NullableString(r, 8), SqliteExecutionJournal.NullableString(r, 9), SqliteExecutionJournal.NullableDate(r, 10), SqliteExecutionJournal.Date(r, 11), r.GetInt64(12), r.GetString(13),
                    SqliteExecutionJournal.NullableString(r, 14), SqliteExecutionJournal.NullableString(r, 15), SqliteExecutionJournal.NullableString(r, 16)));
            }
        }

        var encoder = new FrameChanges();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO run_events (run_id, frames) VALUES ($run, $frames)";
        var run = insert.Parameters.Add(new SqliteParameter { ParameterName = "$run" });
        var blob = insert.Parameters.Add(new SqliteParameter { ParameterName = "$frames" });
        foreach (var (runId, frames) in byRun)
        {
            run.Value = runId;
            blob.Value = encoder.Encode(frames, [], allRemoved: false);
            insert.ExecuteNonQuery();
        }

        insert.Parameters.Clear();
        insert.CommandText = "DROP TABLE run_frames";
        insert.ExecuteNonQuery();
    }

    /// <summary>Writes every run's batch_ids and moves the watermark past the last row: the whole table is recorded.</summary>
    private static void RecordAllBatchIds(SqliteConnection connection)
    {
        var byRun = new Dictionary<long, List<long>>();
        var last = 0L;
        using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT id, run_id FROM run_events ORDER BY id";
            using var r = select.ExecuteReader();
            while (r.Read())
            {
                last = r.GetInt64(0);
                var runId = r.GetInt64(1);
                if (!byRun.TryGetValue(runId, out var ids))
                {
                    byRun[runId] = ids = [];
                }

                ids.Add(last);
            }
        }

        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE runs SET batch_ids = $ids WHERE id = $run";
        var idsParameter = update.Parameters.Add(new SqliteParameter { ParameterName = "$ids" });
        var runParameter = update.Parameters.Add(new SqliteParameter { ParameterName = "$run" });
        foreach (var (runId, ids) in byRun)
        {
            idsParameter.Value = BatchIds.Encode(ids);
            runParameter.Value = runId;
            update.ExecuteNonQuery();
        }

        update.Parameters.Clear();
        update.CommandText = "INSERT OR REPLACE INTO batch_watermark (id, recorded_below) VALUES (0, $below)";
        update.Parameters.AddWithValue("$below", last + 1);
        update.ExecuteNonQuery();
    }

    private static bool HasColumn(SqliteCommand command, string table, string column)
    {
        command.CommandText = "SELECT 1 FROM pragma_table_info($table) WHERE name = $column";
        command.Parameters.Clear();
        command.Parameters.AddWithValue("$table", table);
        command.Parameters.AddWithValue("$column", column);
        var exists = command.ExecuteScalar() is not null;
        command.Parameters.Clear();
        return exists;
    }

    private static bool HasTable(SqliteCommand command, string name)
    {
        command.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.Clear();
        command.Parameters.AddWithValue("$name", name);
        var exists = command.ExecuteScalar() is not null;
        command.Parameters.Clear();
        return exists;
    }
}
