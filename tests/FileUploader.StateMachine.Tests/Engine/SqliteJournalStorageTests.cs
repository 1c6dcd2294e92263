using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;
using Microsoft.Data.Sqlite;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// How the SQLite journal keeps its file: executions keyed by a number in start order (an execution's first batch in
/// its own row), checkpoints on the writer's own connection in exclusive locking mode, and journals written with the
/// earlier ARN-keyed tables still opening with everything in them.
/// </summary>
public sealed class SqliteJournalStorageTests : IDisposable
{
    private const string MachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
    private const string Definition = """{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}""";
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempJournalFile _journalFile = new("fu-journal-storage");

    public void Dispose() => _journalFile.Dispose();

    [Fact]
    public void Write_ManyMoreCommitsThanACheckpointHolds_KeepsTheWalBoundedAndEveryCommitReadable()
    {
        // About three WAL pages per commit (a ~3 KiB row's own page, its parent, the header page): enough commits to
        // fill the checkpoint threshold about three times over, so an unchecked log would be about three times the bound.
        // The pad is random (base64 of seeded random bytes), so the journal's compression leaves the row about 3 KiB.
        const int executions = SqliteExecutionJournal.CheckpointAfterWalPages;
        var pad = new byte[3000];
        new Random(7).NextBytes(pad);
        var details = $$$"""{"input":"{\"pad\":\"{{{Convert.ToBase64String(pad)}}}\"}","inputDetails":{"truncated":false}}""";

        // Every commit in SQLite itself: the run log would hold these one-batch executions outside its files for a while.
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, new RunLogOptions(Enabled: false)))
        {
            for (var i = 0; i < executions; i++)
            {
                journal.Write(Batch(Arn(i), "SUCCEEDED", new HistoryEvent(1, 0, Start, "ExecutionStarted", details)));
            }

            // The exclusive connection keeps the WAL's index in its own memory: no shared-memory file.
            Assert.False(File.Exists(_journalFile.Path + "-shm"));
            const long pageAndFrameHeader = 4096 + 24;
            var walBound = (SqliteExecutionJournal.CheckpointAfterWalPages + 16) * pageAndFrameHeader;
            var wal = new FileInfo(_journalFile.Path + "-wal").Length;
            Assert.True(wal <= walBound, $"WAL is {wal} bytes after {executions} commits; checkpoints should keep it under {walBound}");

            // The checkpoints copied the log into the database file itself: most of the rows (about a page each) are there.
            var database = new FileInfo(_journalFile.Path).Length;
            Assert.True(database > executions / 2 * 4096L, $"database file is {database} bytes after {executions} commits of about a page each");
        }

        using var reopened = SqliteExecutionJournal.Open(_journalFile.Path);
        Assert.Equal(executions, reopened.LoadExecutions().Count);
        foreach (var i in new[] { 0, executions / 2, executions - 1 })
        {
            Assert.Equal(details, Assert.Single(reopened.LoadHistory(Arn(i))).DetailsJson);
        }
    }

    [Fact]
    public void Write_LaterBatchesOfAnExecution_UpdateItsRowAndAppendToItsHistoryInOrder()
    {
        var arn = Arn(1);
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            journal.Write(Batch(arn, "RUNNING", new HistoryEvent(1, 0, Start, "ExecutionStarted", """{"input":"{}"}""")) with
            {
                Frames = [Frame("", "W")],
            });
            journal.Write(new ExecutionBatch(arn, null, [new HistoryEvent(2, 1, Start, "WaitStateEntered", """{"name":"W","input":"{}"}""")], [Frame("", "W") with { Phase = 1 }], [], false));
            Assert.Equal(1, Assert.Single(journal.LoadFrames(arn)).Phase);
            journal.Write(Batch(arn, "SUCCEEDED", new HistoryEvent(3, 2, Start, "ExecutionSucceeded", """{"output":"{}"}""")) with { DeleteAllFrames = true });
        }

        using var reopened = SqliteExecutionJournal.Open(_journalFile.Path);
        var execution = Assert.Single(reopened.LoadExecutions());
        Assert.Equal(("SUCCEEDED", "{}"), (execution.Status, execution.Output));
        Assert.Equal(Definition, execution.Definition);
        Assert.Equal(["ExecutionStarted", "WaitStateEntered", "ExecutionSucceeded"], reopened.LoadHistory(arn).Select(e => e.Type));
        Assert.Empty(reopened.LoadFrames(arn));
    }

    [Fact]
    public void Write_FirstBatchOfAnUnknownExecutionWithoutItsRecord_FailsAndStoresNothing()
    {
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path);

        var error = Assert.Throws<InvalidOperationException>(() => journal.Write(
            new ExecutionBatch(Arn(1), null, [new HistoryEvent(1, 0, Start, "ExecutionStarted", "{}")], [], [], false)));

        Assert.Contains(Arn(1), error.Message, StringComparison.Ordinal);
        Assert.Empty(journal.LoadExecutions());
        Assert.Empty(journal.LoadHistory(Arn(1)));
    }

    [Fact]
    public void Open_JournalWithArnKeyedTables_MovesExecutionsBatchesAndFramesAndKeepsPerEventHistory()
    {
        var running = Arn(1);
        var older = Arn(2);
        using (var connection = new SqliteConnection($"Data Source={_journalFile.Path};Pooling=False"))
        {
            // The schema and rows as the journal wrote them before the runs tables (session 2).
            connection.Open();
            using var setup = connection.CreateCommand();
            setup.CommandText = $$"""
                PRAGMA journal_mode = WAL;
                CREATE TABLE state_machines (
                    arn TEXT PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL, role_arn TEXT NOT NULL,
                    type TEXT NOT NULL, creation_date INTEGER NOT NULL);
                CREATE TABLE executions (
                    arn TEXT PRIMARY KEY, state_machine_arn TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
                    start_date INTEGER NOT NULL, stop_date INTEGER, input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
                    definition TEXT NOT NULL, role_arn TEXT NOT NULL, timeout_at INTEGER);
                CREATE TABLE events (
                    execution_arn TEXT NOT NULL, id INTEGER NOT NULL, previous_id INTEGER NOT NULL, timestamp INTEGER NOT NULL,
                    type TEXT NOT NULL, details TEXT, PRIMARY KEY (execution_arn, id)) WITHOUT ROWID;
                CREATE TABLE frames (
                    execution_arn TEXT NOT NULL, frame_id TEXT NOT NULL, parent_id TEXT, idx INTEGER NOT NULL, state_name TEXT NOT NULL,
                    phase INTEGER NOT NULL, step INTEGER NOT NULL, input TEXT NOT NULL, variables TEXT, retry_counts TEXT,
                    due_at INTEGER, entered_at INTEGER NOT NULL, last_event_id INTEGER NOT NULL, status TEXT NOT NULL,
                    output TEXT, error TEXT, cause TEXT, PRIMARY KEY (execution_arn, frame_id)) WITHOUT ROWID;
                CREATE TABLE definitions (id TEXT PRIMARY KEY, definition TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE event_batches (
                    execution_arn TEXT NOT NULL, first_id INTEGER NOT NULL, events TEXT NOT NULL,
                    PRIMARY KEY (execution_arn, first_id));
                INSERT INTO definitions VALUES ('sha256:abc', '{{Definition}}');
                INSERT INTO executions VALUES ('{{older}}', '{{MachineArn}}', 'old', 'SUCCEEDED', 1, 2, '{}', '"done"', NULL, NULL, '{{Definition}}', 'role', NULL);
                INSERT INTO executions VALUES ('{{running}}', '{{MachineArn}}', 'run', 'RUNNING', 3, NULL, '{"a":1}', NULL, NULL, NULL, 'sha256:abc', 'role', 99);
                INSERT INTO events VALUES ('{{older}}', 1, 0, 1, 'ExecutionStarted', '{"input":"{}"}');
                INSERT INTO events VALUES ('{{older}}', 2, 1, 2, 'ExecutionSucceeded', '{"output":"\"done\""}');
                INSERT INTO event_batches VALUES ('{{running}}', 1, '[[1,0,3,"ExecutionStarted",{"input":"{\"a\":1}"}],[2,1,3,"WaitStateEntered",{"name":"W","input":"{\"a\":1}"}]]');
                INSERT INTO frames VALUES ('{{running}}', '', NULL, 0, 'W', 1, 0, '{"a":1}', NULL, NULL, 500, 3, 2, 'RUNNING', NULL, NULL, NULL);
                """;
            setup.ExecuteNonQuery();
        }

        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            var executions = journal.LoadExecutions().ToDictionary(e => e.Arn);
            Assert.Equal(("SUCCEEDED", "\"done\"", Definition), (executions[older].Status, executions[older].Output, executions[older].Definition));
            Assert.Equal(("RUNNING", Definition, (DateTimeOffset?)new DateTimeOffset(99, TimeSpan.Zero)), (executions[running].Status, executions[running].Definition, executions[running].TimeoutAt));
            Assert.Equal(["ExecutionStarted", "ExecutionSucceeded"], journal.LoadHistory(older).Select(e => e.Type));
            Assert.Equal(["ExecutionStarted", "WaitStateEntered"], journal.LoadHistory(running).Select(e => e.Type));
            var frame = Assert.Single(journal.LoadFrames(running));
            Assert.Equal(("W", 1, (DateTimeOffset?)new DateTimeOffset(500, TimeSpan.Zero)), (frame.StateName, frame.Phase, frame.DueAt));

            // The moved execution goes on like any other.
            journal.Write(new ExecutionBatch(running, executions[running] with { Status = "SUCCEEDED", StopDate = Start, Output = "{}" },
                [new HistoryEvent(3, 2, Start, "WaitStateExited", """{"name":"W","output":"{}"}""")], [], [], DeleteAllFrames: true));
        }

        using (var reopened = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            Assert.Equal("SUCCEEDED", reopened.LoadExecutions().Single(e => e.Arn == running).Status);
            Assert.Equal([1L, 2L, 3L], reopened.LoadHistory(running).Select(e => e.Id));
            Assert.Empty(reopened.LoadFrames(running));
        }

        using var check = new SqliteConnection($"Data Source={_journalFile.Path};Pooling=False");
        check.Open();
        using var tables = check.CreateCommand();
        tables.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('executions', 'event_batches', 'frames') ";
        Assert.Null(tables.ExecuteScalar());
    }

    private static string Arn(int i) => JournalBatches.Arn(i);

    private static ExecutionBatch Batch(string arn, string status, HistoryEvent e) => JournalBatches.WithRecord(arn, status, e, Definition, Start);

    private static FrameRecord Frame(string id, string state) =>
        new(id, null, 0, state, 0, 0, "{}", null, null, null, Start, 1, "RUNNING", null, null, null);
}
