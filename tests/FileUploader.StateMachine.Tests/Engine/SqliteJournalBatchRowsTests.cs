using System.Text.Json.Nodes;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// The SQLite journal's batch rows: one appended row per commit holding its events and frame changes, frames rebuilt by
/// replaying them, rows found through runs.batch_ids below a watermark (and by one scan above it at open), and journals
/// of the previous layout (a batch table keyed by run and first event, a frame table) moved into it when opened.
/// </summary>
public sealed class SqliteJournalBatchRowsTests : IDisposable
{
    private const string MachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
    private const string Definition = """{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"Next":"D"},"D":{"Type":"Pass","Result":"expired","End":true}}}""";
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempJournalFile _journalFile = new("fu-journal-rows");

    public void Dispose() => _journalFile.Dispose();

    [Fact]
    public void LoadFrames_FramesUpsertedReplacedAndDeletedOverSeveralCommits_ReplaysToWhatTheLastCommitLeft()
    {
        var arn = Arn(1);
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            journal.Write(Batch(arn, "RUNNING", Event(1, "ExecutionStarted")) with { Frames = [Frame("", "M"), Frame("/M.0/0", "P"), Frame("/M.0/1", "P")] });
            journal.Write(new ExecutionBatch(arn, null, [Event(2, "MapIterationSucceeded")], [Frame("/M.0/1", "P") with { Phase = 1, Status = "SUCCEEDED", Output = "1" }], ["/M.0/0"], false));
            journal.Write(new ExecutionBatch(arn, null, [], [Frame("/M.0/2", "W") with { DueAt = Start.AddHours(1), Variables = """{"é":"😀"}""" }], [], false));

            // Served from memory and from the file alike.
            Assert.Equal(["", "/M.0/1", "/M.0/2"], journal.LoadFrames(arn).Select(f => f.Id));
        }

        using (var reopened = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            var frames = reopened.LoadFrames(arn).ToDictionary(f => f.Id);
            Assert.Equal(["", "/M.0/1", "/M.0/2"], frames.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(Frame("/M.0/1", "P") with { Phase = 1, Status = "SUCCEEDED", Output = "1" }, frames["/M.0/1"]);
            Assert.Equal(Frame("/M.0/2", "W") with { DueAt = Start.AddHours(1), Variables = """{"é":"😀"}""" }, frames["/M.0/2"]);
            Assert.Equal(["ExecutionStarted", "MapIterationSucceeded"], reopened.LoadHistory(arn).Select(e => e.Type));

            // Removing them all wins over anything else in the same commit; frames written later start afresh.
            reopened.Write(new ExecutionBatch(arn, null, [], [Frame("/M.0/3", "P")], [], DeleteAllFrames: true));
            Assert.Empty(reopened.LoadFrames(arn));
            reopened.Write(new ExecutionBatch(arn, null, [], [Frame("", "D")], [], false));
        }

        using var again = SqliteExecutionJournal.Open(_journalFile.Path);
        Assert.Equal("D", Assert.Single(again.LoadFrames(arn)).StateName);
    }

    [Fact]
    public async Task RecoverAsync_MapStoppedWithSomeIterationsDone_ResumesFromReplayedFramesAndRunsOnlyTheRest()
    {
        var time = new FakeTimeProvider(Start);
        const string definition = """
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":0,"End":true,"ItemProcessor":{
              "StartAt":"Pick","States":{
                "Pick":{"Type":"Choice","Choices":[{"Variable":"$.wait","NumericGreaterThan":0,"Next":"W"}],"Default":"Done"},
                "W":{"Type":"Wait","SecondsPath":"$.wait","Next":"Done"},
                "Done":{"Type":"Pass","Parameters":{"id.$":"$.id"},"End":true}}}}}}
            """;
        string executionArn;
        IReadOnlyList<FrameRecord> before;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, time: time);
            var arn = await engine.CreateAsync(definition);
            executionArn = (await engine.Engine.StartExecutionAsync(new(arn, "map", """{"items":[{"id":1,"wait":0},{"id":2,"wait":60},{"id":3,"wait":0},{"id":4,"wait":600}]}"""), EngineHarness.Timeout)).ExecutionArn;
            await engine.WaitForHistoryAsync(executionArn, e => e.Count(x => x.Type == "WaitStateEntered") == 2 && e.Count(x => x.Type == "MapIterationSucceeded") == 2);
            time.Advance(TimeSpan.FromSeconds(61));
            await engine.WaitForHistoryAsync(executionArn, e => e.Count(x => x.Type == "MapIterationSucceeded") == 3);
            before = journal.LoadFrames(executionArn);
        }

        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            // Rebuilt from the batch rows alone: exactly what the running engine had journaled.
            Assert.Equal(before, journal.LoadFrames(executionArn));
            Assert.Contains(before, f => f.StateName == "W" && f.Status == "RUNNING" && f.DueAt == Start.AddSeconds(600));

            await using var engine = new EngineHarness(journal, time: time);
            await engine.Engine.RecoverAsync(EngineHarness.Timeout);
            time.Advance(TimeSpan.FromSeconds(600));
            var done = await engine.Engine.WaitForCompletionAsync(executionArn, EngineHarness.Timeout);

            Assert.Equal("SUCCEEDED", done.Status);
            Json.Equal("""[{"id":1},{"id":2},{"id":3},{"id":4}]""", done.Output);
            var history = await engine.HistoryAsync(executionArn);
            Assert.Equal(history.Select((_, i) => (long)i + 1), history.Select(e => e.Id));
            Assert.Equal(2, history.Count(e => e.Type == "WaitStateEntered"));
            Assert.Equal(4, history.Count(e => e.Type == "MapIterationSucceeded"));
        }

        using var reopened = SqliteExecutionJournal.Open(_journalFile.Path);
        Assert.Empty(reopened.LoadFrames(executionArn));
        Assert.Equal("ExecutionSucceeded", reopened.LoadHistory(executionArn)[^1].Type);
    }

    [Fact]
    public void Open_MoreBatchRowsThanTheWatermarkStep_ListsEveryRowBelowTheWatermarkAndFindsTheRestByScanning()
    {
        // Runs that stay RUNNING across many commits of other runs: their rows are recorded only by the periodic pass.
        const int runs = 40;
        var rows = SqliteExecutionJournal.RecordBatchIdsAfterRows * 2 + 100;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            for (var r = 0; r < runs; r++)
            {
                journal.Write(Batch(Arn(r), "RUNNING", Event(1, "ExecutionStarted")) with { Frames = [Frame("", "S0")] });
            }

            for (var i = runs; i < rows; i++)
            {
                var r = i % runs;
                var eventId = (i / runs) + 1;
                journal.Write(new ExecutionBatch(Arn(r), null, [Event(eventId, $"Step{eventId}")], [Frame("", $"S{eventId}")], [], false));
            }

            // Half of them end: their own last commit records their list.
            for (var r = 0; r < runs / 2; r++)
            {
                journal.Write(Batch(Arn(r), "SUCCEEDED", Event(1000, "ExecutionSucceeded")) with { DeleteAllFrames = true });
            }
        }

        var expectedEvents = Enumerable.Range(0, runs).ToDictionary(r => r, r => 1 + Enumerable.Range(runs, rows - runs).Count(i => i % runs == r));
        using (var reopened = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            for (var r = 0; r < runs; r++)
            {
                var history = reopened.LoadHistory(Arn(r));
                var ended = r < runs / 2;
                Assert.Equal(expectedEvents[r] + (ended ? 1 : 0), history.Count);
                Assert.Equal(history.Select(e => e.Id).Order(), history.Select(e => e.Id));
                if (ended)
                {
                    Assert.Empty(reopened.LoadFrames(Arn(r)));
                }
                else
                {
                    Assert.Equal($"S{expectedEvents[r]}", Assert.Single(reopened.LoadFrames(Arn(r))).StateName);
                }
            }
        }

        using var connection = new SqliteConnection($"Data Source={_journalFile.Path};Pooling=False");
        connection.Open();
        var watermark = Scalar(connection, "SELECT recorded_below FROM batch_watermark");
        var total = Scalar(connection, "SELECT COUNT(*) FROM run_events");
        Assert.True(total - watermark < SqliteExecutionJournal.RecordBatchIdsAfterRows, $"{total - watermark} of {total} rows are above the watermark: an open would scan them all");
        var listed = new Dictionary<long, HashSet<long>>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, batch_ids FROM runs WHERE batch_ids IS NOT NULL";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                listed[reader.GetInt64(0)] = [.. BatchIds.Decode(reader.GetFieldValue<byte[]>(1))];
            }
        }

        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, run_id FROM run_events WHERE id < $below";
            command.Parameters.AddWithValue("$below", watermark);
            using var reader = command.ExecuteReader();
            var checkedRows = 0;
            while (reader.Read())
            {
                Assert.Contains(reader.GetInt64(0), listed[reader.GetInt64(1)]);
                checkedRows++;
            }

            Assert.True(checkedRows > SqliteExecutionJournal.RecordBatchIdsAfterRows);
        }
    }

    [Fact]
    public void Write_BatchOfARunningExecutionThatFails_LeavesNeitherItsRowNorItsIdBehind()
    {
        var arn = Arn(1);
        var record = Batch(arn, "RUNNING", Event(1, "ExecutionStarted")).Execution!;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            journal.Write(Batch(arn, "RUNNING", Event(1, "ExecutionStarted")) with { Frames = [Frame("", "A")] });
        }

        // Reopened, the run's list is read from its row (not held in memory) when the failing commit adds to it.
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            // The status update breaks NOT NULL after the batch row was inserted: the whole commit rolls back.
            Assert.Throws<SqliteException>(() => journal.Write(new ExecutionBatch(arn, record with { Status = null! }, [Event(2, "Lost")], [Frame("", "Lost")], [], false)));
            Assert.Equal(["ExecutionStarted"], journal.LoadHistory(arn).Select(e => e.Type));
            Assert.Equal("A", Assert.Single(journal.LoadFrames(arn)).StateName);

            journal.Write(new ExecutionBatch(arn, null, [Event(2, "Kept")], [Frame("", "B")], [], false));
            journal.Write(new ExecutionBatch(arn, record with { Status = "SUCCEEDED", StopDate = Start, Output = "{}" }, [Event(3, "ExecutionSucceeded")], [], [], DeleteAllFrames: true));
            Assert.Equal(["ExecutionStarted", "Kept", "ExecutionSucceeded"], journal.LoadHistory(arn).Select(e => e.Type));
        }

        using var reopened = SqliteExecutionJournal.Open(_journalFile.Path);
        Assert.Equal(["ExecutionStarted", "Kept", "ExecutionSucceeded"], reopened.LoadHistory(arn).Select(e => e.Type));
        Assert.Empty(reopened.LoadFrames(arn));
    }

    [Fact]
    public void LoadHistory_RowWrittenAfterTheExecutionEnded_IsKeptInMemoryAndAfterReopening()
    {
        // The engine does not write after an execution's end today; the journal must not lose such a row if it ever does.
        var arn = Arn(1);
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            journal.Write(Batch(arn, "RUNNING", Event(1, "ExecutionStarted")));
            journal.Write(Batch(arn, "ABORTED", Event(2, "ExecutionAborted")));
            journal.Write(new ExecutionBatch(arn, null, [Event(3, "Late")], [], [], false));
            Assert.Equal(["ExecutionStarted", "ExecutionAborted", "Late"], journal.LoadHistory(arn).Select(e => e.Type));
        }

        using var reopened = SqliteExecutionJournal.Open(_journalFile.Path);
        Assert.Equal(["ExecutionStarted", "ExecutionAborted", "Late"], reopened.LoadHistory(arn).Select(e => e.Type));
        Assert.Equal("ABORTED", Assert.Single(reopened.LoadExecutions()).Status);
    }

    [Fact]
    public async Task Open_JournalWithBatchAndFrameTables_MovesThemIntoBatchRowsAndTheRunningExecutionResumes()
    {
        var running = Arn(1);
        var finishedInRow = Arn(2);
        var finishedInBatches = Arn(3);
        const string waitInput = """{"a":1}""";
        var due = Start.AddSeconds(100);
        using (var connection = new SqliteConnection($"Data Source={_journalFile.Path};Pooling=False"))
        {
            // The schema and rows as the journal wrote them in session 3 (batches keyed by run and first event id,
            // frames in a WITHOUT ROWID table), with a RUNNING execution parked in a Wait.
            connection.Open();
            using var setup = connection.CreateCommand();
            setup.CommandText = $$$"""
                PRAGMA journal_mode = WAL;
                CREATE TABLE state_machines (
                    arn TEXT PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL, role_arn TEXT NOT NULL,
                    type TEXT NOT NULL, creation_date INTEGER NOT NULL);
                CREATE TABLE definitions (id TEXT PRIMARY KEY, definition TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY, arn TEXT NOT NULL, state_machine_arn TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
                    start_date INTEGER NOT NULL, stop_date INTEGER, input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
                    definition TEXT NOT NULL, role_arn TEXT NOT NULL, timeout_at INTEGER, first_events BLOB);
                CREATE TABLE run_events (
                    run_id INTEGER NOT NULL, first_id INTEGER NOT NULL, events BLOB NOT NULL, PRIMARY KEY (run_id, first_id));
                CREATE TABLE run_frames (
                    run_id INTEGER NOT NULL, frame_id TEXT NOT NULL, parent_id TEXT, idx INTEGER NOT NULL, state_name TEXT NOT NULL,
                    phase INTEGER NOT NULL, step INTEGER NOT NULL, input TEXT NOT NULL, variables TEXT, retry_counts TEXT,
                    due_at INTEGER, entered_at INTEGER NOT NULL, last_event_id INTEGER NOT NULL, status TEXT NOT NULL,
                    output TEXT, error TEXT, cause TEXT, PRIMARY KEY (run_id, frame_id)) WITHOUT ROWID;
                INSERT INTO state_machines VALUES ('{{{MachineArn}}}', 'm', '{{{Definition}}}', 'role', 'STANDARD', {{{Start.UtcTicks}}});
                INSERT INTO definitions VALUES ('sha256:abc', '{{{Definition}}}');
                INSERT INTO runs VALUES (1, '{{{running}}}', '{{{MachineArn}}}', 'e-1', 'RUNNING', {{{Start.UtcTicks}}}, NULL, '{{{waitInput}}}', NULL, NULL, NULL, 'sha256:abc', 'role', NULL, NULL);
                INSERT INTO runs VALUES (2, '{{{finishedInRow}}}', '{{{MachineArn}}}', 'e-2', 'SUCCEEDED', 1, 2, '{}', '"x"', NULL, NULL, 'sha256:abc', 'role', NULL,
                    CAST('[[1,0,1,"ExecutionStarted",{"input":"{}"}],[2,1,2,"ExecutionSucceeded",{"output":"\"x\""}]]' AS BLOB));
                INSERT INTO runs VALUES (3, '{{{finishedInBatches}}}', '{{{MachineArn}}}', 'e-3', 'FAILED', 1, 3, '{}', NULL, 'E', 'c', 'sha256:abc', 'role', NULL, NULL);
                INSERT INTO run_events VALUES (3, 3, CAST('[[3,2,3,"ExecutionFailed",{"error":"E","cause":"c"}]]' AS BLOB));
                INSERT INTO run_events VALUES (3, 1, CAST('[[1,0,1,"ExecutionStarted",{"input":"{}"}],[2,1,2,"WaitStateEntered",{"name":"W","input":"{}"}]]' AS BLOB));
                INSERT INTO run_events VALUES (1, 1, CAST('[[1,0,{{{Start.UtcTicks}}},"ExecutionStarted",{"input":"{\"a\":1}"}]]' AS BLOB));
                INSERT INTO run_events VALUES (1, 2, CAST('[[2,1,{{{Start.UtcTicks}}},"WaitStateEntered",{"name":"W","input":"{\"a\":1}","inputDetails":{"truncated":false}}]]' AS BLOB));
                INSERT INTO run_frames VALUES (1, '', NULL, 0, 'W', 1, 0, '{{{waitInput}}}', NULL, NULL, {{{due.UtcTicks}}}, {{{Start.UtcTicks}}}, 2, 'RUNNING', NULL, NULL, NULL);
                """;
            setup.ExecuteNonQuery();
        }

        var time = new FakeTimeProvider(Start.AddSeconds(10));
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            var executions = journal.LoadExecutions().ToDictionary(e => e.Arn);
            Assert.Equal(("RUNNING", Definition), (executions[running].Status, executions[running].Definition));
            Assert.Equal(("FAILED", "E", "c"), (executions[finishedInBatches].Status, executions[finishedInBatches].Error, executions[finishedInBatches].Cause));
            Assert.Equal(["ExecutionStarted", "ExecutionSucceeded"], journal.LoadHistory(finishedInRow).Select(e => e.Type));
            Assert.Equal([1L, 2L, 3L], journal.LoadHistory(finishedInBatches).Select(e => e.Id));
            Assert.Equal(["ExecutionStarted", "WaitStateEntered"], journal.LoadHistory(running).Select(e => e.Type));
            var frame = Assert.Single(journal.LoadFrames(running));
            Assert.Equal(new FrameRecord("", null, 0, "W", 1, 0, waitInput, null, null, due, Start, 2, "RUNNING", null, null, null), frame);

            // The moved execution resumes in the engine: its Wait ends at the journaled time and it finishes.
            await using var engine = new EngineHarness(journal, time: time);
            await engine.Engine.RecoverAsync(EngineHarness.Timeout);
            time.Advance(TimeSpan.FromSeconds(90));
            var done = await engine.Engine.WaitForCompletionAsync(running, EngineHarness.Timeout);
            Assert.Equal(("SUCCEEDED", "\"expired\"", (DateTimeOffset?)due), (done.Status, done.Output, done.StopDate));
        }

        using (var reopened = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            var history = reopened.LoadHistory(running);
            Assert.Equal(history.Select((_, i) => (long)i + 1), history.Select(e => e.Id));
            Assert.Equal(["ExecutionStarted", "WaitStateEntered", "WaitStateExited"], history.Take(3).Select(e => e.Type));
            Assert.Equal("ExecutionSucceeded", history[^1].Type);
            Assert.Empty(reopened.LoadFrames(running));
            Assert.Equal([1L, 2L, 3L], reopened.LoadHistory(finishedInBatches).Select(e => e.Id));
        }

        using var check = new SqliteConnection($"Data Source={_journalFile.Path};Pooling=False");
        check.Open();
        Assert.Equal(0L, Scalar(check, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('run_frames', 'run_events_before_batch_rows')"));
        Assert.Equal(0L, Scalar(check, "SELECT COUNT(*) FROM pragma_table_info('run_events') WHERE name = 'first_id'"));
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static string Arn(int i) => JournalBatches.Arn(i);

    private static HistoryEvent Event(long id, string type) => new(id, id - 1, Start, type, """{"n":1}""");

    private static ExecutionBatch Batch(string arn, string status, HistoryEvent e) => JournalBatches.WithRecord(arn, status, e, Definition, Start);

    private static FrameRecord Frame(string id, string state) =>
        new(id, id.Length == 0 ? null : "", 0, state, 0, 0, """{"in":"put"}""", null, "1,0", null, Start, 1, "RUNNING", null, null, null);
}
