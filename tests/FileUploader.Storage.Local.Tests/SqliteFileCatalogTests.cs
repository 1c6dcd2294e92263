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
}
