using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Testing.Fixtures;
using Microsoft.Data.Sqlite;

namespace FileUploader.Storage.Local.Tests;

public sealed class SqliteFileCatalogTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2031, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly TempDirectory folder = new();

    private string DatabasePath => Path.Combine(folder.Path, "data", "catalog.db");

    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        folder.Dispose();
    }

    [Fact]
    public async Task Constructor_NewFolder_CreatesDatabaseInWalMode()
    {
        _ = new SqliteFileCatalog(DatabasePath);

        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task PutFileAsync_ThenNewInstance_RecordSurvivesRestart()
    {
        var record = new FileRecord(
            "f1", "u1", "a.txt", Now, Now.AddHours(1), "files/f1", 0, 3, "text/plain", new string('c', 64),
            FileStatus.Available, "exec", new string('d', 64), 2);
        await new SqliteFileCatalog(DatabasePath).PutFileAsync(record, Ct);
        SqliteConnection.ClearAllPools();

        var reopened = new SqliteFileCatalog(DatabasePath);

        Assert.Equal(record, await reopened.GetFileAsync("f1", Ct));
        Assert.Equal(DownloadClaimResult.Counted, (await reopened.TryCountDownloadAsync("f1", Now, Ct)).Result);
    }

    [Fact]
    public async Task TryCountDownloadAsync_TwoInstancesOnOneFile_ShareOneLimit()
    {
        // Two catalogs over one database file, as two server processes would be: the limit holds across both.
        var one = new SqliteFileCatalog(DatabasePath);
        var two = new SqliteFileCatalog(DatabasePath);
        await one.PutFileAsync(new FileRecord(
            "shared", "u", "a.txt", Now, Now.AddHours(1), "files/shared", 0, 3, "text/plain", new string('c', 64),
            FileStatus.Available, "exec", new string('d', 64), 5), Ct);

        var claims = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => (i % 2 == 0 ? one : two).TryCountDownloadAsync("shared", Now, Ct))));

        Assert.Equal(5, claims.Count(c => c.Result == DownloadClaimResult.Counted));
        Assert.Equal(5, (await two.GetFileAsync("shared", Ct))!.DownloadCount);
    }

    [Theory]
    [InlineData(UploadStatus.Pending)]
    [InlineData(UploadStatus.Processing)]
    [InlineData(UploadStatus.Available)]
    [InlineData(UploadStatus.Rejected)]
    [InlineData(UploadStatus.Failed)]
    public async Task TryUpdateUploadStatusAsync_OnlyTheCurrentStatusExpected_MovesOnlyWhenItIsListed(UploadStatus current)
    {
        // The statement has a place for every status, unused ones NULL: a NULL must never match a session.
        using var catalog = new SqliteFileCatalog(DatabasePath);
        Assert.True(await catalog.TryCreateUploadAsync(Session("s", current), Ct));
        var others = Enum.GetValues<UploadStatus>().Where(s => s != current).ToArray();

        var movedFromOthers = await catalog.TryUpdateUploadStatusAsync("s", UploadStatus.Failed, others, null, "E", "m", Ct);
        var afterOthers = (await catalog.GetUploadAsync("s", Ct))!.Status;
        var movedFromCurrent = await catalog.TryUpdateUploadStatusAsync("s", UploadStatus.Failed, [current], null, "E", "m", Ct);

        Assert.False(movedFromOthers);
        Assert.Equal(current, afterOthers);
        Assert.True(movedFromCurrent);
        Assert.Equal(UploadStatus.Failed, (await catalog.GetUploadAsync("s", Ct))!.Status);
    }

    [Fact]
    public async Task Dispose_AfterReadsAndWrites_ClosesEveryConnectionAndKeepsWorking()
    {
        var catalog = new SqliteFileCatalog(DatabasePath);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            await catalog.TryCreateUploadAsync(Session($"u{i}", UploadStatus.Pending), Ct);
            await catalog.GetUploadAsync($"u{i}", Ct);
        })));
        Assert.NotEmpty(OpenFilesOf(DatabasePath));

        catalog.Dispose();
        var closed = OpenFilesOf(DatabasePath);
        // A step still running while the host shuts down must not fail: each operation opens and closes its own.
        var created = await catalog.TryCreateUploadAsync(Session("late", UploadStatus.Pending), Ct);
        var read = await catalog.GetUploadAsync("u7", Ct);

        Assert.Empty(closed);
        Assert.True(created);
        Assert.Equal(UploadStatus.Pending, read!.Status);
        Assert.Empty(OpenFilesOf(DatabasePath));
    }

    [Fact]
    public async Task TryCreateUploadAsync_200ConcurrentWritersOnOneInstance_AllStoredWithoutBusyErrors()
    {
        using var catalog = new SqliteFileCatalog(DatabasePath);

        var created = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => catalog.TryCreateUploadAsync(Session($"c{i}", UploadStatus.Processing), Ct))));

        Assert.All(created, Assert.True);
        foreach (var i in Enumerable.Range(0, 200))
        {
            Assert.NotNull(await catalog.GetUploadAsync($"c{i}", Ct));
        }
    }

    [Fact]
    public async Task Constructor_WithTheFolderLock_HoldsTheFileUntilDisposed()
    {
        using var folderLock = DataFolderLock.Acquire(Path.GetDirectoryName(DatabasePath)!);
        var owner = new SqliteFileCatalog(DatabasePath, folderLock);
        Assert.True(await owner.TryCreateUploadAsync(Session("held", UploadStatus.Pending), Ct));

        var whileHeld = await Record.ExceptionAsync(() => ReadStatusWithoutWaitingAsync("held"));
        owner.Dispose();
        var afterDispose = await ReadStatusWithoutWaitingAsync("held");

        Assert.Equal(5, Assert.IsType<SqliteException>(whileHeld).SqliteErrorCode); // SQLITE_BUSY
        Assert.Equal("Pending", afterDispose);
    }

    [Fact]
    public void Constructor_FolderLockOfAnotherFolder_Throws()
    {
        using var other = new TempDirectory();
        using var folderLock = DataFolderLock.Acquire(other.Path);

        Assert.Throws<ArgumentException>(() => new SqliteFileCatalog(DatabasePath, folderLock));
    }

    private static UploadSession Session(string id, UploadStatus status) => new(
        id, "a.txt", 3, "text/plain", Now, Now.AddMinutes(15), TimeSpan.FromHours(1), null, new string('d', 64), status, "f-" + id, null, null);

    // This process's open descriptors on the database, its WAL or its shared-memory file (Linux: /proc/self/fd).
    private static List<string> OpenFilesOf(string databasePath)
    {
        var open = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith(databasePath, StringComparison.Ordinal))
            {
                open.Add(target);
            }
        }

        return open;
    }

    // Another connection, as another process would open the file. SQLite does not wait for the lock (busy_timeout 0);
    // Microsoft.Data.Sqlite retries a busy statement until its command timeout (0 would mean forever), so: 1 s at most.
    private async Task<string?> ReadStatusWithoutWaitingAsync(string uploadId)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false, DefaultTimeout = 1 }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 0";
        await command.ExecuteNonQueryAsync();
        command.CommandText = "SELECT status FROM uploads WHERE id = $id";
        command.Parameters.AddWithValue("$id", uploadId);
        return (string?)await command.ExecuteScalarAsync();
    }
}
