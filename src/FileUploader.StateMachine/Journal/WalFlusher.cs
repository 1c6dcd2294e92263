using Microsoft.Win32.SafeHandles;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// Writes the WAL file's new pages to disk on a thread of its own, ahead of the checkpoint. The journal checkpoints
/// on its writer connection (exclusive locking mode allows no other), and a checkpoint first fsyncs the WAL: left
/// alone, that fsync writes back everything since the last checkpoint (megabytes) while every writer waits. Flushed
/// as it grows, the WAL has little left to write back then. An fsync only makes data durable sooner; what a commit
/// guarantees is unchanged (it is in the WAL file before Write returns, as before).
/// </summary>
internal sealed class WalFlusher : IDisposable
{
    /// <summary>About 256 pages: often enough that a checkpoint finds little unflushed, rarely enough to cost little.</summary>
    private const long BytesPerFlush = 1 << 20;

    private readonly string _walPath;
    private readonly AutoResetEvent _due = new(initialState: false);
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _unflushedBytes;
    private SafeFileHandle? _wal;

    public WalFlusher(string databasePath)
    {
        _walPath = databasePath + "-wal";
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite WAL flush" };
        _thread.Start();
    }

    /// <summary>Counts what a commit wrote (about). Called by the journal under its lock, so a plain counter is enough.</summary>
    public void Committed(long bytes)
    {
        _unflushedBytes += bytes;
        if (_unflushedBytes >= BytesPerFlush)
        {
            _unflushedBytes = 0;
            _due.Set();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _due.Set();
        _thread.Join();
        _due.Dispose();
        _wal?.Dispose();
    }

    private void Run()
    {
        while (true)
        {
            _due.WaitOne();
            if (_stopping)
            {
                return;
            }

            try
            {
                // fsync through a handle of our own flushes the file, whichever handle wrote the pages.
                _wal ??= File.OpenHandle(_walPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                RandomAccess.FlushToDisk(_wal);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // No WAL yet, or it went away: the checkpoint's own fsync still makes it durable; try again next time.
                _wal?.Dispose();
                _wal = null;
            }
        }
    }
}
