using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Local.Tests;

public sealed class DirectorySyncTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Flush_ExistingFolder_Returns()
    {
        File.WriteAllText(Path.Combine(folder.Path, "renamed"), "bytes");

        var flushed = Record.Exception(() => DirectorySync.Flush(folder.Path));

        Assert.Null(flushed);
    }

    [Fact]
    public void Flush_FolderCannotBeOpened_ThrowsNamingTheFolder()
    {
        // The flush is what makes a rename durable: a promote must not report success when it could not be done.
        var missing = Path.Combine(folder.Path, "missing");

        var failure = Assert.Throws<IOException>(() => DirectorySync.Flush(missing));

        Assert.Contains(missing, failure.Message, StringComparison.Ordinal);
        Assert.Contains("open", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlushAsync_FolderCannotBeOpened_FailsEveryWaiter()
    {
        var sync = new SharedDirectorySync(Path.Combine(folder.Path, "missing"));

        var first = sync.FlushAsync();
        var second = sync.FlushAsync();

        await Assert.ThrowsAsync<IOException>(() => first);
        await Assert.ThrowsAsync<IOException>(() => second);
    }
}
