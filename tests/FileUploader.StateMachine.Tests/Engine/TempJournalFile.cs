using Microsoft.Data.Sqlite;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// A journal file's path in the temp folder, deleted with its WAL and shared-memory files when disposed. Pools are
/// cleared first: a pooled connection would keep the files open.
/// </summary>
internal sealed class TempJournalFile(string prefix) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }
    }
}
