using Microsoft.Data.Sqlite;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// Copies a WAL-mode SQLite file's write-ahead log back into the database on a thread and connection of its own,
/// so that no commit pays for it. Left to SQLite (wal_autocheckpoint), the commit that crosses the threshold runs
/// the checkpoint itself, fsyncs included: a few milliseconds every couple of hundred commits, which was most of a
/// journaled execution's average cost. A PASSIVE checkpoint never blocks the writer; once it has caught up, the
/// writer's next transaction starts the log from the beginning again, so the file stays small.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>A few hundred KiB of log between checkpoints: small enough to keep reads fast, large enough to batch.</summary>
    private const int CommitsPerCheckpoint = 128;

    /// <summary>
    /// If the writer outpaces the passive checkpoints (they cannot finish while it keeps appending), a RESTART
    /// checkpoint, which briefly holds the writer, bounds the log at about 64 MiB of 4 KiB pages.
    /// </summary>
    private const long RestartAboveFrames = 16_384;

    private readonly string _connectionString;
    private readonly AutoResetEvent _due = new(initialState: false);
    private readonly Thread _thread;
    private volatile bool _stopping;
    private int _commits;

    public WalCheckpointer(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite WAL checkpoint" };
        _thread.Start();
    }

    /// <summary>Counts a commit. Called by the journal under its lock, so a plain counter is enough.</summary>
    public void Committed()
    {
        if (++_commits % CommitsPerCheckpoint == 0)
        {
            _due.Set();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _due.Set();
        _thread.Join();
        _due.Dispose();
    }

    private void Run()
    {
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = "PRAGMA busy_timeout = 5000";
                pragma.ExecuteNonQuery();
            }

            using var passive = connection.CreateCommand();
            passive.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            using var restart = connection.CreateCommand();
            restart.CommandText = "PRAGMA wal_checkpoint(RESTART)";
            while (true)
            {
                _due.WaitOne();
                if (_stopping)
                {
                    return;
                }

                Checkpoint(passive, restart);
            }
        }
        catch (SqliteException)
        {
            // The file cannot be opened any more (deleted, or the journal is closing): nothing left to checkpoint.
            // Closing the journal's own connection checkpoints whatever is still in the log.
        }
    }

    private static void Checkpoint(SqliteCommand passive, SqliteCommand restart)
    {
        try
        {
            long logFrames;
            using (var reader = passive.ExecuteReader())
            {
                // (busy, frames in the log, frames checkpointed)
                logFrames = reader.Read() ? reader.GetInt64(1) : 0;
            }

            if (logFrames > RestartAboveFrames)
            {
                restart.ExecuteNonQuery();
            }
        }
        catch (SqliteException)
        {
            // Busy or interrupted: the next signal tries again; the log only grows a little meanwhile.
        }
    }
}
