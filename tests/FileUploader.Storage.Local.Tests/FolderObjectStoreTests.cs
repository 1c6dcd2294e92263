using System.Security.Cryptography;
using System.Text;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Local.Tests;

public sealed class FolderObjectStoreTests : IDisposable
{
    private readonly TempDirectory folder = new();

    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("../escape")]
    [InlineData("staging/../../escape")]
    [InlineData("/etc/passwd")]
    [InlineData("staging//double")]
    [InlineData("staging/")]
    [InlineData("staging\\windows")]
    [InlineData("staging/.")]
    [InlineData("staging/with\nnewline")]
    [InlineData("")]
    public async Task PutAsync_PathLikeKey_IsRefusedAndWritesNothing(string key)
    {
        var root = Path.Combine(folder.Path, "store");
        var store = new FolderObjectStore(root);

        await Assert.ThrowsAsync<ArgumentException>(
            () => store.PutAsync(key, new MemoryStream([1, 2, 3]), 10, "text/plain", Ct));

        Assert.Equal(["store"], Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(root, "objects")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(root, "tmp")));
    }

    [Fact]
    public async Task PutAsync_NestedKey_IsOneEncodedFolderInsideTheStore()
    {
        var store = new FolderObjectStore(folder.Path);

        await store.PutAsync("staging/abc def", new MemoryStream([1]), 10, "text/plain", Ct);

        var entry = Assert.Single(Directory.GetDirectories(Path.Combine(folder.Path, "objects")));
        Assert.Equal("staging%2Fabc%20def", Path.GetFileName(entry));
        Assert.Equal(["data", "meta.json"], Directory.GetFiles(entry).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task PutAsync_KeyAndItsChild_CoexistLikeInS3()
    {
        var store = new FolderObjectStore(folder.Path);

        await store.PutAsync("files/a", new MemoryStream([1]), 10, "text/plain", Ct);
        await store.PutAsync("files/a/b", new MemoryStream([2]), 10, "text/plain", Ct);

        Assert.Equal(1, (await store.HeadAsync("files/a", Ct))!.Size);
        Assert.Equal(1, (await store.HeadAsync("files/a/b", Ct))!.Size);
    }

    [Fact]
    public async Task PutAsync_DiskFull_ThrowsInsufficientStorageAndLeavesNoPartialFile()
    {
        // /dev/full answers every write with ENOSPC: the real kernel error a full disk gives.
        Assert.True(File.Exists("/dev/full"), "this test needs Linux's /dev/full");
        var store = new FolderObjectStore(folder.Path, _ => new FileStream("/dev/full", FileMode.Open, FileAccess.Write));

        var error = await Assert.ThrowsAsync<StepFailedException>(
            () => store.PutAsync("staging/big", new MemoryStream(new byte[300_000]), 1_000_000, "application/zip", Ct));

        Assert.Equal(ErrorNames.InsufficientStorage, error.ErrorName);
        Assert.False(error.Retryable);
        Assert.Null(await store.HeadAsync("staging/big", Ct));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder.Path, "tmp")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder.Path, "objects")));
    }

    [Fact]
    public async Task PutAsync_TooLarge_RemovesTheTemporaryFile()
    {
        var store = new FolderObjectStore(folder.Path);

        await Assert.ThrowsAsync<ObjectTooLargeException>(
            () => store.PutAsync("staging/x", new MemoryStream(new byte[5000]), 4999, "text/plain", Ct));

        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder.Path, "tmp")));
    }

    [Fact]
    public async Task Constructor_AfterRestart_SeesStoredObjectsAndSweepsTrash()
    {
        var bytes = Encoding.UTF8.GetBytes("kept across restarts");
        var first = new FolderObjectStore(folder.Path);
        await first.PutAsync("files/kept", new MemoryStream(bytes), 100, "text/plain", Ct);
        // What a crash in the middle of a delete leaves: the object already renamed out of sight.
        var leftover = Path.Combine(folder.Path, "trash", "crashed-delete");
        Directory.CreateDirectory(leftover);
        await File.WriteAllBytesAsync(Path.Combine(leftover, "data"), bytes, Ct);

        var second = new FolderObjectStore(folder.Path);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), (await second.HeadAsync("files/kept", Ct))!.Sha256);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder.Path, "trash")));
    }

    [Fact]
    public async Task OpenReadAsync_WhileDeleted_KeepsServingTheOpenReader()
    {
        var bytes = new byte[100_000];
        new Random(7).NextBytes(bytes);
        var store = new FolderObjectStore(folder.Path);
        await store.PutAsync("files/busy", new MemoryStream(bytes), bytes.Length, "application/octet-stream", Ct);

        await using var reader = (await store.OpenReadAsync("files/busy", 0, null, Ct))!;
        Assert.True(await store.DeleteAsync("files/busy", Ct));
        using var copy = new MemoryStream();
        await reader.CopyToAsync(copy);

        Assert.Equal(bytes, copy.ToArray());
        Assert.Null(await store.HeadAsync("files/busy", Ct));
    }
}
