using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;
using Microsoft.Data.Sqlite;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// The SQLite journal's run log: executions that start and end in one batch are appended to a file beside the database
/// and moved into its runs table later. Until then every reader still finds them; a process that dies with records only
/// in the log gets them back at the next open (a copy of the files taken while the journal is open is what a kill
/// leaves); a torn or damaged tail is dropped; nothing is inserted twice; a reused file's earlier records are not read
/// again; records past the mapped part of a file are kept as well; Full durability and Dispose leave no log.
/// </summary>
public sealed class SqliteJournalRunLogTests : IDisposable
{
    private const string Definition = """{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}""";
    private const string PassChain = """
        {"StartAt":"Pick","States":{
          "Pick":{"Type":"Pass","Parameters":{"n.$":"$.n","tag":"picked"},"Next":"Keep"},
          "Keep":{"Type":"Pass","ResultPath":"$.copy","Next":"Done"},
          "Done":{"Type":"Pass","OutputPath":"$.copy","End":true}}}
        """;

    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The mover is off unless a test wants it: records stay in the log until something moves them.</summary>
    private static readonly RunLogOptions Manual = new(MoveInBackground: false);

    private readonly TempJournalFile _journalFile = new("fu-journal-runlog");
    private readonly TempJournalFile _copy = new("fu-journal-runlog-copy");

    public void Dispose()
    {
        _journalFile.Dispose();
        _copy.Dispose();
    }

    [Fact]
    public void LoadHistory_ExecutionOnlyInTheRunLog_ReadsItsEventsAndRecord()
    {
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, Manual);
        WriteFinished(journal, 0, 4);
        Assert.Equal(3, journal.PendingRunLogRecords);

        Assert.Equal(Events(2), journal.LoadHistory(JournalBatches.Arn(2)), HistoryComparer);
        Assert.Equal(0, journal.PendingRunLogRecords);
        var executions = journal.LoadExecutions().ToDictionary(e => e.Arn);
        Assert.Equal(4, executions.Count);
        Assert.Equal(Finished(3).Execution, executions[JournalBatches.Arn(3)]);
    }

    [Fact]
    public void LoadExecution_ByArnByMachineByStatusAndRunning_FindsExecutionsOnlyInTheRunLog()
    {
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, Manual);
        WriteFinished(journal, 0, 4);
        var running = JournalBatches.WithRecord(JournalBatches.Arn(9), "RUNNING", Events(9)[0], Definition, Start);
        journal.Write(running);
        var ofOtherMachine = JournalBatches.WithRecord(JournalBatches.Arn(8), "SUCCEEDED", Events(8)[0], Definition, Start);
        var otherMachine = ofOtherMachine with { Execution = ofOtherMachine.Execution! with { StateMachineArn = JournalBatches.MachineArn + "-other" } };
        journal.Write(otherMachine);
        Assert.True(journal.PendingRunLogRecords > 0);

        Assert.Equal(Finished(2).Execution, journal.LoadExecution(JournalBatches.Arn(2)));
        Assert.Null(journal.LoadExecution(JournalBatches.Arn(77)));
        // Latest start first: e-3 … e-0 started a second apart after Start, e-9 at Start.
        Assert.Equal(
            [JournalBatches.Arn(3), JournalBatches.Arn(2), JournalBatches.Arn(1), JournalBatches.Arn(0), JournalBatches.Arn(9)],
            journal.LoadExecutionSummaries(JournalBatches.MachineArn, status: null, limit: 10).Select(e => e.Arn));
        Assert.Equal(
            [JournalBatches.Arn(3), JournalBatches.Arn(2)],
            journal.LoadExecutionSummaries(JournalBatches.MachineArn, status: null, limit: 2).Select(e => e.Arn));
        var finished = Finished(1).Execution!;
        Assert.Equal(
            new ExecutionSummary(finished.Arn, finished.StateMachineArn, finished.Name, "SUCCEEDED", finished.StartDate, finished.StopDate),
            journal.LoadExecutionSummaries(JournalBatches.MachineArn, "SUCCEEDED", limit: 10)[2]);
        Assert.Equal([JournalBatches.Arn(9)], journal.LoadExecutionSummaries(JournalBatches.MachineArn, "RUNNING", limit: 10).Select(e => e.Arn));
        Assert.Equal([JournalBatches.Arn(8)], journal.LoadExecutionSummaries(JournalBatches.MachineArn + "-other", status: null, limit: 10).Select(e => e.Arn));
        Assert.Equal(running.Execution, journal.LoadRunningExecutions().Single());
    }

    [Fact]
    public void Open_AfterAKillWithExecutionsOnlyInTheRunLog_RecoversEachWithItsRecordAndHistory()
    {
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, Manual);
        WriteFinished(journal, 0, 6);
        Assert.Equal(5, journal.PendingRunLogRecords);

        using var recovered = OpenCopy();
        AssertHolds(recovered, 0, 6);
        Assert.Equal(0, RunLog.CountReadable(_copy.Path));
    }

    [Theory]
    [InlineData("cut short")]
    [InlineData("checksum")]
    [InlineData("zeros")]
    public void Open_RunLogWithATornOrDamagedTail_DropsItAndRecoversEveryWholeRecordBeforeIt(string damage)
    {
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, Manual);
        WriteFinished(journal, 0, 5);
        var before = journal.RunLogLength(0);
        journal.Write(Finished(5));
        var after = journal.RunLogLength(0);

        CopyFiles();
        using (var log = File.Open(_copy.Path + RunLog.Suffixes[0], FileMode.Open, FileAccess.ReadWrite))
        {
            switch (damage)
            {
                case "cut short":
                    // A write the process died in: only part of the last record reached the file.
                    log.SetLength(before + ((after - before) / 2));
                    break;
                case "checksum":
                    // One byte of the last record's payload changed: its checksum no longer holds.
                    log.Position = after - 3;
                    var b = log.ReadByte();
                    log.Position = after - 3;
                    log.WriteByte((byte)(b ^ 0x5A));
                    break;
                default:
                    // An OS crash may leave the file's new length with zeros where the record was.
                    log.Position = before;
                    log.Write(new byte[after - before]);
                    break;
            }
        }

        using var recovered = SqliteExecutionJournal.Open(_copy.Path, JournalDurability.Normal, Manual);
        AssertHolds(recovered, 0, 5);
        Assert.DoesNotContain(recovered.LoadExecutions(), e => e.Arn == JournalBatches.Arn(5));
        Assert.Empty(recovered.LoadHistory(JournalBatches.Arn(5)));
    }

    [Fact]
    public void Open_RecordsAlreadyMovedButStillInTheLog_InsertsNoneTwice()
    {
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, Manual);
        WriteFinished(journal, 0, 4);

        // Moved (a read moves them) but a log file is only reused at a rotation, or deleted on Dispose: both copies are in the files.
        Assert.Equal(4, journal.LoadExecutions().Count);
        Assert.Equal(0, journal.PendingRunLogRecords);
        Assert.Equal(3, RunLog.CountReadable(_journalFile.Path)); // the first went to SQLite, storing the definition
        WriteFinished(journal, 4, 6);

        using (var recovered = OpenCopy())
        {
            AssertHolds(recovered, 0, 6);
        }

        Assert.Equal(6, RowsOf(_copy.Path).Count);
    }

    [Fact]
    public void Write_ExecutionsInTheLogAndInSqliteAcrossAKill_KeepEveryRunIdUnique()
    {
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, Manual))
        {
            WriteFinished(journal, 0, 3);

            // A running execution's start goes to SQLite, between run log records, and takes a run id in the same sequence.
            journal.Write(JournalBatches.WithRecord(JournalBatches.Arn(100), "RUNNING", new HistoryEvent(1, 0, Start, "ExecutionStarted", """{"input":"{}"}"""), Definition, Start));
            WriteFinished(journal, 3, 5);
            CopyFiles();
        }

        // The restarted process goes on from the recovered files: its new executions must not reuse a logged run id.
        using (var recovered = SqliteExecutionJournal.Open(_copy.Path, JournalDurability.Normal, Manual))
        {
            WriteFinished(recovered, 5, 8);
            recovered.Write(new ExecutionBatch(JournalBatches.Arn(100), Finished(100).Execution! with { Status = "SUCCEEDED" }, Events(100).Skip(1).ToList(), [], [], DeleteAllFrames: true));
        }

        var rows = RowsOf(_copy.Path);
        Assert.Equal(9, rows.Count);
        Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct().Count());
        using var reopened = SqliteExecutionJournal.Open(_copy.Path, JournalDurability.Normal, Manual);
        AssertHolds(reopened, 0, 8);
        Assert.Equal("SUCCEEDED", reopened.LoadExecutions().Single(e => e.Arn == JournalBatches.Arn(100)).Status);
    }

    [Fact]
    public async Task Write_AppendsFromManyThreadsWhileOthersCommitToSqliteAndTheMoverRuns_KeepsEveryExecutionOnceWithItsOwnRunId()
    {
        // Appends to the run log do not queue behind SQLite's group commit: they share run ids, stored definitions and
        // the ARN map with it and with the mover. Eight threads append; two start and finish executions through SQLite.
        const int Appenders = 8;
        const int PerAppender = 150;
        const int Running = 40;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, new RunLogOptions(RotateAfterBytes: 64 * 1024)))
        {
            journal.Write(Finished(0));
            var appenders = Enumerable.Range(0, Appenders).Select(t => Task.Run(() => WriteFinished(journal, 1 + (t * PerAppender), 1 + ((t + 1) * PerAppender))));
            var committers = Enumerable.Range(0, 2).Select(t => Task.Run(() =>
            {
                for (var i = 0; i < Running / 2; i++)
                {
                    var n = 10_000 + (t * Running) + i;
                    journal.Write(JournalBatches.WithRecord(JournalBatches.Arn(n), "RUNNING", new HistoryEvent(1, 0, Start, "ExecutionStarted", """{"input":"{}"}"""), Definition, Start));
                    journal.Write(new ExecutionBatch(JournalBatches.Arn(n), Finished(n).Execution!, Events(n).Skip(1).ToList(), [], [], DeleteAllFrames: true));
                }
            }));
            await Task.WhenAll(appenders.Concat(committers));
            CopyFiles();
        }

        var rows = RowsOf(_journalFile.Path);
        Assert.Equal(1 + (Appenders * PerAppender) + Running, rows.Count);
        Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct().Count());
        Assert.Equal(rows.Count, rows.Select(r => r.Arn).Distinct().Count());

        // The same from the files as a kill would have left them (records possibly still only in the log).
        using (var recovered = SqliteExecutionJournal.Open(_copy.Path, JournalDurability.Normal, Manual))
        {
            AssertHolds(recovered, 0, 1 + (Appenders * PerAppender));
        }

        Assert.Equal(rows.Count, RowsOf(_copy.Path).Count);
    }

    [Fact]
    public void Write_LaterBatchOfAnExecutionStillInTheLog_MovesItFirstSoTheUpdateLands()
    {
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, Manual);
        WriteFinished(journal, 0, 2);
        var arn = JournalBatches.Arn(1);
        Assert.Equal(1, journal.PendingRunLogRecords);

        journal.Write(new ExecutionBatch(arn, Finished(1).Execution! with { Status = "ABORTED", Error = "late" }, [new HistoryEvent(4, 3, Start, "ExecutionAborted", (string?)null)], [], [], false));

        Assert.Equal(0, journal.PendingRunLogRecords);
        Assert.Equal("late", journal.LoadExecutions().Single(e => e.Arn == arn).Error);
        Assert.Equal(["ExecutionStarted", "PassStateExited", "ExecutionSucceeded", "ExecutionAborted"], journal.LoadHistory(arn).Select(e => e.Type));
    }

    [Fact]
    public void Open_FullDurability_CommitsEveryExecutionToSqliteAndKeepsNoRunLog()
    {
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Full);
        WriteFinished(journal, 0, 4);

        Assert.Equal(0, journal.PendingRunLogRecords);
        Assert.All(RunLog.Suffixes, suffix => Assert.False(File.Exists(_journalFile.Path + suffix)));
        CopyFiles();
        Assert.Equal(4, RowsOf(_copy.Path).Count);
    }

    [Fact]
    public void Open_FullDurabilityAfterARunLogWasLeft_ReplaysItAndRemovesIt()
    {
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, Manual))
        {
            WriteFinished(journal, 0, 4);
            CopyFiles();
        }

        using var full = SqliteExecutionJournal.Open(_copy.Path, JournalDurability.Full);
        AssertHolds(full, 0, 4);
        Assert.All(RunLog.Suffixes, suffix => Assert.False(File.Exists(_copy.Path + suffix)));
    }

    [Fact]
    public void Dispose_ExecutionsStillInTheRunLog_MovesThemAndDeletesTheLog()
    {
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, Manual))
        {
            WriteFinished(journal, 0, 5);
            Assert.Equal(4, journal.PendingRunLogRecords);
        }

        Assert.All(RunLog.Suffixes, suffix => Assert.False(File.Exists(_journalFile.Path + suffix)));
        Assert.Equal(5, RowsOf(_journalFile.Path).Count);
        Assert.Throws<ObjectDisposedException>(() => OpenAndDispose().Write(Finished(9)));
    }

    [Fact]
    public void Mover_RunningInTheBackground_MovesRecordsIntoSqliteWithoutAnyRead()
    {
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path);
        WriteFinished(journal, 0, 50);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (journal.PendingRunLogRecords > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{journal.PendingRunLogRecords} records were never moved");
            Thread.Sleep(5);
        }

        // In SQLite's own files, read by a plain connection (without the log, which the copy leaves out).
        File.Copy(_journalFile.Path, _copy.Path);
        File.Copy(_journalFile.Path + "-wal", _copy.Path + "-wal");
        Assert.Equal(50, RowsOf(_copy.Path).Count);
    }

    [Fact]
    public void MoveAndReuseRetired_LogLongerThanTheRotationSize_ReusesItOnceMovedAndAppendsToTheOther()
    {
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, new RunLogOptions(MoveInBackground: false, RotateAfterBytes: 1024));
        WriteFinished(journal, 0, 6);
        Assert.True(journal.RunLogLength(0) >= 1024);

        journal.MoveAndReuseRetired();
        Assert.Equal(RunLog.FileHeaderLength, journal.RunLogLength(0));
        WriteFinished(journal, 6, 9);
        Assert.Equal(RunLog.FileHeaderLength, journal.RunLogLength(0));
        Assert.True(journal.RunLogLength(1) > RunLog.FileHeaderLength);

        // The reused file still holds its six earlier records, whole, but of the generation before: only the other
        // file's three are read back.
        Assert.Equal(3, RunLog.CountReadable(_journalFile.Path));

        // The next rotation goes back to the reused file.
        journal.MoveAndReuseRetired();
        Assert.Equal(RunLog.FileHeaderLength, journal.RunLogLength(1));
        WriteFinished(journal, 9, 10);
        Assert.True(journal.RunLogLength(0) > RunLog.FileHeaderLength);
        Assert.Equal(1, RunLog.CountReadable(_journalFile.Path));

        using var recovered = OpenCopy();
        AssertHolds(recovered, 0, 10);
    }

    [Fact]
    public void Write_MoreThanTheMappedPartOfTheFileHolds_KeepsTheRestAfterItAndRecoversEveryRecord()
    {
        // A 1 KiB rotation length maps 64 KiB of each file; with no mover, 300 records run far past it.
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, new RunLogOptions(MoveInBackground: false, RotateAfterBytes: 1024));
        WriteFinished(journal, 0, 300);
        var written = journal.RunLogLength(0);
        Assert.True(written > 64 * 1024);
        Assert.True(new FileInfo(_journalFile.Path + RunLog.Suffixes[0]).Length >= written);

        using (var recovered = OpenCopy())
        {
            AssertHolds(recovered, 0, 300);
        }

        // Once moved and reused, the file is cut back to its mapped length and nothing in it reads back.
        journal.MoveAndReuseRetired();
        Assert.Equal(64 * 1024, new FileInfo(_journalFile.Path + RunLog.Suffixes[0]).Length);
        Assert.Equal(0, RunLog.CountReadable(_journalFile.Path));
    }

    [Fact]
    public async Task StartExecution_SameNameWhileTheFirstRunIsOnlyInTheRunLog_FindsItOrRefusesOtherInput()
    {
        string executionArn;
        int historyLength;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, Manual))
        {
            await using var engine = new EngineHarness(journal);
            var machine = await engine.CreateAsync(PassChain);
            await engine.Engine.StartSyncExecutionAsync(new StartExecutionRequest(machine, "first", """{"n":0}"""), EngineHarness.Timeout);
            var done = await engine.Engine.StartSyncExecutionAsync(new StartExecutionRequest(machine, "once", """{"n":1}"""), EngineHarness.Timeout);
            executionArn = done.ExecutionArn;
            Assert.Equal(1, journal.PendingRunLogRecords);

            // Found again by name and input: the same execution, not a second one.
            var again = await engine.Engine.StartExecutionAsync(new StartExecutionRequest(machine, "once", """{ "n": 1 }"""), EngineHarness.Timeout);
            Assert.Equal(executionArn, again.ExecutionArn);
            var refused = await Assert.ThrowsAsync<StepFunctionsException>(() => engine.Engine.StartExecutionAsync(new StartExecutionRequest(machine, "once", """{"n":2}"""), EngineHarness.Timeout));
            Assert.Equal(StepFunctionsErrorTypes.ExecutionAlreadyExists, refused.ErrorType);
            Assert.Equal(1, journal.PendingRunLogRecords);

            var described = await engine.Engine.DescribeExecutionAsync(executionArn, EngineHarness.Timeout);
            Assert.Equal("SUCCEEDED", described.Status);
            Json.Equal("""{"n":1,"tag":"picked"}""", described.Output);
            var history = await engine.HistoryAsync(executionArn);
            Assert.Equal("ExecutionSucceeded", history[^1].Type);
            historyLength = history.Count;
            Assert.Equal(0, journal.PendingRunLogRecords);

            WriteFinished(journal, 10, 12);
            CopyFiles();
        }

        // After a kill: recovered from the log, described with its output, its name still taken.
        using var recovered = SqliteExecutionJournal.Open(_copy.Path, JournalDurability.Normal, Manual);
        await using var restarted = new EngineHarness(recovered);
        await restarted.Engine.RecoverAsync(EngineHarness.Timeout);
        var found = await restarted.Engine.DescribeExecutionAsync(executionArn, EngineHarness.Timeout);
        Json.Equal("""{"n":1,"tag":"picked"}""", found.Output);
        var recoveredHistory = await restarted.HistoryAsync(executionArn);
        Assert.Equal(historyLength, recoveredHistory.Count);
        Assert.Equal("ExecutionSucceeded", recoveredHistory[^1].Type);
        var machineArn = found.StateMachineArn;
        var taken = await Assert.ThrowsAsync<StepFunctionsException>(() => restarted.Engine.StartExecutionAsync(new StartExecutionRequest(machineArn, "once", """{"n":2}"""), EngineHarness.Timeout));
        Assert.Equal(StepFunctionsErrorTypes.ExecutionAlreadyExists, taken.ErrorType);
        Assert.Equal(Events(11), recovered.LoadHistory(JournalBatches.Arn(11)), HistoryComparer);
    }

    /// <summary>Writes executions <paramref name="from"/> to <paramref name="to"/> (exclusive), each ended in one batch.</summary>
    private static void WriteFinished(SqliteExecutionJournal journal, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            journal.Write(Finished(i));
        }
    }

    /// <summary>
    /// An execution ended in its first batch, with an output and events of its own. Once the definition is stored (by the
    /// first such batch), every later one goes to the run log.
    /// </summary>
    private static ExecutionBatch Finished(int i) => new(
        JournalBatches.Arn(i),
        new ExecutionRecord(JournalBatches.Arn(i), JournalBatches.MachineArn, $"e-{i}", "SUCCEEDED", Start.AddSeconds(i), Start.AddSeconds(i + 1),
            $$"""{"n":{{i}}}""", $$"""{"n":{{i}},"é":"😀"}""", null, null, Definition, "role", i % 2 == 0 ? Start.AddHours(1) : null),
        Events(i),
        [],
        [],
        DeleteAllFrames: true);

    private static List<HistoryEvent> Events(int i) =>
    [
        new(1, 0, Start.AddSeconds(i), "ExecutionStarted", $$$"""{"input":"{\"n\":{{{i}}}}","inputDetails":{"truncated":false}}"""),
        new(2, 1, Start.AddSeconds(i), "PassStateExited", $$$"""{"name":"P","output":"{\"n\":{{{i}}},\"pad\":\"{{{new string('x', 300)}}}\"}"}"""),
        new(3, 2, Start.AddSeconds(i + 1), "ExecutionSucceeded", $$$"""{"output":"{\"n\":{{{i}}}}"}"""),
    ];

    private static readonly IEqualityComparer<HistoryEvent> HistoryComparer = EqualityComparer<HistoryEvent>.Create(
        (a, b) => (a!.Id, a.PreviousEventId, a.Timestamp, a.Type, a.DetailsJson) == (b!.Id, b.PreviousEventId, b.Timestamp, b.Type, b.DetailsJson),
        e => e.Id.GetHashCode());

    /// <summary>Executions <paramref name="from"/> to <paramref name="to"/> (exclusive) are there, each with its record and history.</summary>
    private static void AssertHolds(SqliteExecutionJournal journal, int from, int to)
    {
        var executions = journal.LoadExecutions().ToDictionary(e => e.Arn);
        for (var i = from; i < to; i++)
        {
            Assert.Equal(Finished(i).Execution, executions[JournalBatches.Arn(i)]);
            Assert.Equal(Events(i), journal.LoadHistory(JournalBatches.Arn(i)), HistoryComparer);
        }
    }

    /// <summary>The journal's files as they are now, with no close or checkpoint: what a killed process leaves.</summary>
    private void CopyFiles()
    {
        _copy.Dispose();
        foreach (var suffix in new[] { "", "-wal" }.Concat(RunLog.Suffixes))
        {
            if (File.Exists(_journalFile.Path + suffix))
            {
                File.Copy(_journalFile.Path + suffix, _copy.Path + suffix);
            }
        }
    }

    private SqliteExecutionJournal OpenCopy()
    {
        CopyFiles();
        return SqliteExecutionJournal.Open(_copy.Path, JournalDurability.Normal, Manual);
    }

    private SqliteExecutionJournal OpenAndDispose()
    {
        var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, Manual);
        journal.Dispose();
        return journal;
    }

    /// <summary>The runs table's rows, read by a plain connection: only what is in SQLite's own files.</summary>
    private static List<(long Id, string Arn)> RowsOf(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, arn FROM runs ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return rows;
    }
}
