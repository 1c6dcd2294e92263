namespace FileUploader.Storage.Local;

/// <summary>
/// Group commit for the fsync of one folder. A rename in the folder is durable once an fsync of the folder that
/// <em>started after</em> the rename has finished; so every caller who asks while an fsync is running waits for the
/// next one, and that one fsync covers all of them. Under load (many uploads renaming into <c>objects/</c> at once)
/// this turns one fsync per rename into one per disk round trip, and the fsync runs on this class's own thread,
/// not on a thread-pool thread that requests need.
/// </summary>
internal sealed class SharedDirectorySync(string folder)
{
    // The flusher thread leaves after this long without work, so an idle store (or one of the many a test suite
    // creates) holds no thread.
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(2);

    private readonly object gate = new();
    private List<TaskCompletionSource> waiting = [];
    private bool flusherRunning;

    /// <summary>Completes once an fsync of the folder that started after this call has finished.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            waiting.Add(done);
            if (flusherRunning)
            {
                Monitor.Pulse(gate);
            }
            else
            {
                flusherRunning = true;
                new Thread(FlushLoop) { IsBackground = true, Name = "fsync " + Path.GetFileName(folder) }.Start();
            }
        }

        return done.Task;
    }

    private void FlushLoop()
    {
        while (true)
        {
            List<TaskCompletionSource> batch;
            lock (gate)
            {
                while (waiting.Count == 0)
                {
                    if (!Monitor.Wait(gate, IdleTimeout) && waiting.Count == 0)
                    {
                        flusherRunning = false;
                        return;
                    }
                }

                // Everyone who asked before this point renamed before the fsync below starts.
                batch = waiting;
                waiting = [];
            }

            try
            {
                DirectorySync.Flush(folder);
                batch.ForEach(waiter => waiter.TrySetResult());
            }
            catch (Exception e)
            {
                batch.ForEach(waiter => waiter.TrySetException(e));
            }
        }
    }
}
