using Microsoft.Data.Sqlite;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// A journal file's path in the temp folder, deleted with its WAL, shared-memory and run log files when disposed. Pools are
/// cleared first: a pooled connection would keep the files open.
/// </summary>
internal sealed class TempJournalFile(string prefix) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm", "-runlog", "-runlog2" })
        {
            File.Delete(Path + suffix);
        }
    }
}
