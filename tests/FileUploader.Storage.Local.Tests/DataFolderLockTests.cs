using System.Diagnostics;
using FileUploader.Core.Ports;
using FileUploader.Testing.Fixtures;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Storage.Local.Tests;

public sealed class DataFolderLockTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        folder.Dispose();
    }

    [Fact]
    public void Acquire_WhileHeld_ThrowsDataFolderInUseNamingTheFolder()
    {
        using var first = DataFolderLock.Acquire(folder.Path);

        var error = Assert.Throws<DataFolderInUseException>(() => DataFolderLock.Acquire(folder.Path));

        Assert.Equal(folder.Path, error.DataDirectory);
        Assert.Contains(folder.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("in use by another FileUploader server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Acquire_AfterTheHolderDisposedIt_Succeeds()
    {
        DataFolderLock.Acquire(folder.Path).Dispose();

        using var again = DataFolderLock.Acquire(folder.Path);

        Assert.Equal(folder.Path, again.DataDirectory);
    }

    [Fact]
    public async Task Acquire_HolderProcessKilled_IsFreeAgain()
    {
        // flock(1) takes the same kind of lock in another process; SIGKILL gives it no chance to let go itself.
        // --no-fork: flock becomes the sleep itself, so the one process killed is the one holding the lock (with a fork,
        // a sleep child not yet seen by the tree kill kept the inherited lock and this test failed now and then).
        var lockFile = Path.Combine(folder.Path, DataFolderLock.FileName);
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--nonblock", "--no-fork", lockFile, "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            await WaitUntilHeldAsync();
            Assert.Throws<DataFolderInUseException>(() => DataFolderLock.Acquire(folder.Path));
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        using var mine = DataFolderLock.Acquire(folder.Path);
        Assert.True(File.Exists(lockFile));
    }

    [Fact]
    public async Task AddLocalStorage_SecondProviderOnTheSameFolder_RefusesTheStoreWhileTheFirstLives()
    {
        var first = new ServiceCollection().AddLocalStorage(folder.Path, new Uri("http://127.0.0.1:5000")).BuildServiceProvider();
        first.GetRequiredService<IObjectStore>();
        await using (var second = new ServiceCollection().AddLocalStorage(folder.Path, new Uri("http://127.0.0.1:5001")).BuildServiceProvider())
        {
            Assert.Throws<DataFolderInUseException>(() => second.GetRequiredService<IObjectStore>());
            Assert.Throws<DataFolderInUseException>(() => second.GetRequiredService<IFileCatalog>());
        }

        await first.DisposeAsync();
        await using var third = new ServiceCollection().AddLocalStorage(folder.Path, new Uri("http://127.0.0.1:5002")).BuildServiceProvider();
        Assert.NotNull(third.GetRequiredService<IObjectStore>());
    }

    private async Task WaitUntilHeldAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                DataFolderLock.Acquire(folder.Path).Dispose();
            }
            catch (DataFolderInUseException)
            {
                return;
            }

            // The child has not taken it yet: poll again (no timing assertion, just a bounded wait for a real event).
            await Task.Delay(20, timeout.Token);
        }
    }
}
