using System.Security.Cryptography;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;
using Microsoft.Data.Sqlite;
using static FileUploader.StateMachine.Tests.Engine.JournalBatches;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// The journal writes its WAL through <see cref="WalWriteCoalescingVfs"/>, which holds a commit's frames back until its
/// commit frame and writes them in one call: a commit must still be in the WAL file when Write returns, whatever its
/// size, and the files must stay what SQLite itself reads.
/// </summary>
public sealed class SqliteJournalWalVfsTests : IDisposable
{
    private const string Definition = """{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}""";
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempJournalFile _journalFile = new("fu-journal-vfs");
    private readonly TempJournalFile _copy = new("fu-journal-vfs-copy");

    public void Dispose()
    {
        _journalFile.Dispose();
        _copy.Dispose();
    }

    [Fact]
    public void EnsureRegistered_BundledSqlite_WrapsItsVfs() =>
        Assert.True(WalWriteCoalescingVfs.EnsureRegistered());

    [Fact]
    public void Write_Returned_EachCommitIsInTheFilesAPlainSqliteConnectionReads()
    {
        var first = Arn(1);
        var second = Arn(2);

        // Without the run log, which would hold the second execution (it ended in one batch) outside SQLite's files.
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Normal, new RunLogOptions(Enabled: false));
        journal.Write(Finished(first, Events(6, 2_000)));

        // Copies of the files while the journal holds them, as a crash would leave them: no close, no checkpoint.
        Assert.Equal([first], CopiedRunArns());

        var running = Arn(3);
        journal.Write(Finished(second, Events(3, 100)));
        journal.Write(new ExecutionBatch(running, Record(running, "RUNNING"), Events(2, 50), [], [], false));
        Assert.Equal([first, second, running], CopiedRunArns());
    }

    [Fact]
    public void Write_CommitLargerThanWhatTheVfsHolds_IsWrittenWholeAndReadsBack()
    {
        // Random text barely compresses: about 3 MiB of events, several times what the VFS holds before writing.
        var arn = Arn(1);
        var events = Enumerable.Range(1, 4)
            .Select(i => new HistoryEvent(i, i - 1, Start.AddTicks(i), "PassStateExited", $$"""{"name":"P","output":"\"{{RandomText(768 * 1024)}}\""}"""))
            .ToList();
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            journal.Write(Finished(arn, events));
            journal.Write(Finished(Arn(2), Events(2, 10)));
            AssertSameEvents(events, CopiedHistory(arn));
        }

        using var reopened = SqliteExecutionJournal.Open(_journalFile.Path);
        AssertSameEvents(events, reopened.LoadHistory(arn));
        Assert.Equal(2, reopened.LoadExecutions().Count);
    }

    [Fact]
    public void Open_FullDurability_CommitsAndReopens()
    {
        var arn = Arn(1);
        var events = Events(4, 500);
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Full))
        {
            journal.Write(Finished(arn, events));
        }

        using var reopened = SqliteExecutionJournal.Open(_journalFile.Path, JournalDurability.Full);
        AssertSameEvents(events, reopened.LoadHistory(arn));
    }

    [Fact]
    public void Open_PathWithCharactersAUriEscapes_UsesTheFileAtThatPath()
    {
        // The VFS is named in a URI: spaces, '#' and '%' in the path must reach SQLite as the same file name.
        var folder = Path.Combine(Path.GetTempPath(), $"fu journal #1 100% {Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var path = Path.Combine(folder, "journal #2.db");
            var arn = Arn(1);
            var events = Events(3, 100);
            using (var journal = SqliteExecutionJournal.Open(path))
            {
                journal.Write(Finished(arn, events));
            }

            var files = Directory.GetFiles(folder).Select(f => Path.GetFileName(f)!).ToList();
            Assert.Contains("journal #2.db", files);
            Assert.All(files, f => Assert.StartsWith("journal #2.db", f, StringComparison.Ordinal));
            using var reopened = SqliteExecutionJournal.Open(path);
            AssertSameEvents(events, reopened.LoadHistory(arn));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The ARNs of the runs in a copy of the journal's files, read by SQLite's own VFS.</summary>
    private List<string> CopiedRunArns()
    {
        CopyFiles();
        using var connection = new SqliteConnection($"Data Source={_copy.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT arn FROM runs ORDER BY id";
        using var reader = command.ExecuteReader();
        var arns = new List<string>();
        while (reader.Read())
        {
            arns.Add(reader.GetString(0));
        }

        return arns;
    }

    private IReadOnlyList<HistoryEvent> CopiedHistory(string arn)
    {
        CopyFiles();
        using var copy = SqliteExecutionJournal.Open(_copy.Path);
        return copy.LoadHistory(arn);
    }

    private void CopyFiles()
    {
        _copy.Dispose();
        File.Copy(_journalFile.Path, _copy.Path);
        File.Copy(_journalFile.Path + "-wal", _copy.Path + "-wal");
    }

    private static ExecutionBatch Finished(string arn, IReadOnlyList<HistoryEvent> events) =>
        new(arn, Record(arn, "SUCCEEDED"), events, [], [], false);

    private static ExecutionRecord Record(string arn, string status) =>
        new(arn, MachineArn, arn[(arn.LastIndexOf(':') + 1)..], status, Start, status == "RUNNING" ? null : Start, "{}",
            status == "RUNNING" ? null : "{}", null, null, Definition, "role", null);

    /// <summary><paramref name="count"/> events whose outputs are about <paramref name="outputLength"/> characters.</summary>
    private static List<HistoryEvent> Events(int count, int outputLength) =>
        [.. Enumerable.Range(1, count).Select(i => new HistoryEvent(
            i, i - 1, Start.AddTicks(i), "PassStateExited", $$"""{"name":"P{{i}}","output":"\"{{RandomText(outputLength)}}\""}"""))];

    private static string RandomText(int length) => Convert.ToHexString(RandomNumberGenerator.GetBytes((length + 1) / 2))[..length];

    private static void AssertSameEvents(IEnumerable<HistoryEvent> expected, IEnumerable<HistoryEvent> actual) =>
        Assert.Equal(
            expected.Select(e => (e.Id, e.PreviousEventId, e.Timestamp, e.Type, e.DetailsJson)),
            actual.Select(e => (e.Id, e.PreviousEventId, e.Timestamp, e.Type, e.DetailsJson)));
}
