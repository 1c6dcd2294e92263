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
    public async Task PutAsync_NestedKey_IsOneEncodedFileInsideTheStore()
    {
        var store = new FolderObjectStore(folder.Path);

        await store.PutAsync("staging/abc def", new MemoryStream([1]), 10, "text/plain", Ct);

        // One file and no folder: the bytes, then their metadata (one file to create and to fsync per put).
        var entry = Assert.Single(Directory.GetFileSystemEntries(Path.Combine(folder.Path, "objects")));
        Assert.Equal("staging%2Fabc%20def", Path.GetFileName(entry));
        Assert.True(File.Exists(entry));
        Assert.Equal(1 + ObjectFile.Trailer(new StoredObject("staging/abc def", 1, new string('0', 64), "text/plain")).Length, new FileInfo(entry).Length);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder.Path, "tmp")));
    }

    [Fact]
    public async Task PutAsync_ThenRead_MetadataTrailerNeverShowsInTheBytes()
    {
        var store = new FolderObjectStore(folder.Path);
        var bytes = Encoding.UTF8.GetBytes("exactly these bytes");
        await store.PutAsync("files/t", new MemoryStream(bytes), 100, "text/plain; charset=utf-8", Ct);

        var head = (await store.HeadAsync("files/t", Ct))!;
        await using var whole = (await store.OpenReadAsync("files/t", 0, null, Ct))!;
        await using var tail = (await store.OpenReadAsync("files/t", 8, 1000, Ct))!;
        await using var past = (await store.OpenReadAsync("files/t", 500, null, Ct))!;

        Assert.Equal(bytes.Length, head.Size);
        Assert.Equal("text/plain; charset=utf-8", head.ContentType);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), head.Sha256);
        Assert.Equal(bytes, await ReadAllAsync(whole));
        Assert.Equal(bytes[8..], await ReadAllAsync(tail));
        Assert.Empty(await ReadAllAsync(past));
    }

    [Fact]
    public async Task HeadPromoteReadDelete_ObjectWrittenByAnEarlierVersion_WorkAsBefore()
    {
        // The earlier layout: the bytes alone in data, the metadata in meta.json next to it.
        var bytes = Encoding.UTF8.GetBytes("written before the metadata moved into the data file");
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var legacy = Path.Combine(folder.Path, "objects", "staging%2Fold");
        Directory.CreateDirectory(legacy);
        await File.WriteAllBytesAsync(Path.Combine(legacy, "data"), bytes, Ct);
        await File.WriteAllTextAsync(Path.Combine(legacy, "meta.json"), $$"""{"size":{{bytes.Length}},"sha256":"{{sha256}}","contentType":"text/plain"}""", Ct);
        var store = new FolderObjectStore(folder.Path);

        var head = (await store.HeadAsync("staging/old", Ct))!;
        var promoted = await store.PromoteAsync("staging/old", "files/old", sha256, Ct);
        await using (var range = (await store.OpenReadAsync("files/old", 3, 5, Ct))!)
        {
            Assert.Equal(bytes[3..8], await ReadAllAsync(range));
        }

        await using (var whole = (await store.OpenReadAsync("files/old", 0, null, Ct))!)
        {
            Assert.Equal(bytes, await ReadAllAsync(whole));
        }

        Assert.Equal((bytes.Length, sha256, "text/plain"), (head.Size, head.Sha256, head.ContentType));
        Assert.Equal("files/old", promoted.Key);
        Assert.True(await store.DeleteAsync("files/old", Ct));
        Assert.Null(await store.HeadAsync("files/old", Ct));
    }

    [Fact]
    public async Task HeadAsync_DataFileWithoutItsTrailer_IsReportedDamagedNotServed()
    {
        // Cut off inside the metadata: only a damaged disk (or a hand edit) does this, a put never publishes it.
        var store = new FolderObjectStore(folder.Path);
        await store.PutAsync("files/cut", new MemoryStream(new byte[1000]), 1000, "application/octet-stream", Ct);
        var data = Path.Combine(folder.Path, "objects", "files%2Fcut");
        await using (var file = new FileStream(data, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(1005);
        }

        var error = await Assert.ThrowsAsync<StepFailedException>(() => store.HeadAsync("files/cut", Ct));
        await Assert.ThrowsAsync<StepFailedException>(() => store.OpenReadAsync("files/cut", 0, null, Ct));

        Assert.Equal(ErrorNames.StorageUnavailable, error.ErrorName);
        Assert.False(error.Retryable);
    }

    [Theory]
    [InlineData(131_072 - 20)] // the object fits the copy buffer, its trailer does not
    [InlineData(131_072)]
    [InlineData(131_072 + 1)]
    [InlineData((3 * 131_072) + 7)]
    public async Task PutAsync_SizesAroundTheCopyBuffer_StoreExactlyTheBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        var store = new FolderObjectStore(folder.Path);

        // A source that hands out odd-sized pieces, the way a network body arrives.
        var stored = await store.PutAsync("files/sized", new TricklingStream(bytes, 7_777), length, "application/octet-stream", Ct);
        await using var reader = (await store.OpenReadAsync("files/sized", 0, null, Ct))!;

        Assert.Equal(length, stored.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Sha256);
        Assert.Equal(bytes, await ReadAllAsync(reader));
    }

    private sealed class TricklingStream(byte[] bytes, int piece) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, piece)], cancellationToken);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
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
    public void Constructor_HoldingTheDataFolderLock_SweepsEveryTemporaryLeftoverAtOnce()
    {
        // What kill -9 during a put leaves: a fresh folder in tmp/ with a partial data file.
        var root = Path.Combine(folder.Path, "objects");
        var partial = CrashedPut(root);
        using var folderLock = DataFolderLock.Acquire(folder.Path);

        _ = new FolderObjectStore(root, folderLock);

        Assert.False(File.Exists(partial));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(root, "tmp")));
    }

    [Fact]
    public void Constructor_WithoutTheDataFolderLock_LeavesFreshTemporaryFilesToTheirWriter()
    {
        // Another instance may share the folder and still be writing: only hour-old leftovers are its to remove.
        var root = Path.Combine(folder.Path, "objects");
        var partial = CrashedPut(root);

        _ = new FolderObjectStore(root);

        Assert.True(File.Exists(partial));
    }

    [Fact]
    public void Constructor_LockOfAnotherFolder_IsRefused()
    {
        using var other = new TempDirectory();
        using var folderLock = DataFolderLock.Acquire(other.Path);

        Assert.Throws<ArgumentException>(() => new FolderObjectStore(Path.Combine(folder.Path, "objects"), folderLock));
    }

    [Fact]
    public async Task PutAsync_ManyAtOnce_EachIsDurableAndReadable()
    {
        // The objects/ fsync is shared between concurrent renames; every put must still complete with its own object.
        var store = new FolderObjectStore(folder.Path);
        var payloads = Enumerable.Range(0, 40).Select(i => Encoding.UTF8.GetBytes($"object number {i}")).ToList();

        var stored = await Task.WhenAll(payloads.Select((bytes, i) =>
            Task.Run(() => store.PutAsync($"staging/{i}", new MemoryStream(bytes), 100, "text/plain", Ct))));
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => store.PromoteAsync($"staging/{i}", $"files/{i}", stored[i].Sha256, Ct))));

        for (var i = 0; i < payloads.Count; i++)
        {
            await using var reader = (await store.OpenReadAsync($"files/{i}", 0, null, Ct))!;
            using var copy = new MemoryStream();
            await reader.CopyToAsync(copy);
            Assert.Equal(payloads[i], copy.ToArray());
            Assert.Null(await store.HeadAsync($"staging/{i}", Ct));
        }
    }

    [Fact]
    public async Task PutAsync_SameKeyConcurrently_ExactlyOneWinsAndItsBytesStay()
    {
        // Each round releases all puts together once every one has started reading, so their renames race.
        var store = new FolderObjectStore(folder.Path);
        const int Rounds = 25;
        const int Writers = 6;
        for (var round = 0; round < Rounds; round++)
        {
            var key = $"staging/race-{round}";
            var payloads = Enumerable.Range(0, Writers).Select(i => Encoding.UTF8.GetBytes($"round {round} writer {i}")).ToList();
            using var started = new CountdownEvent(Writers);
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var puts = payloads.Select(bytes => Task.Run(() => store.PutAsync(
                key, new StartingTogetherStream(bytes, started, go), 100, "text/plain", Ct))).ToList();
            Assert.True(await Task.Run(() => started.Wait(TimeSpan.FromSeconds(30))), "every put should start reading");
            go.SetResult();
            var outcomes = await Task.WhenAll(puts.Select(async put =>
            {
                try
                {
                    return await put;
                }
                catch (ObjectAlreadyExistsException)
                {
                    return null;
                }
            }));

            var winner = Assert.Single(outcomes, o => o is not null)!;
            await using var reader = (await store.OpenReadAsync(key, 0, null, Ct))!;
            var stored = await ReadAllAsync(reader);
            Assert.Equal(winner.Sha256, Convert.ToHexStringLower(SHA256.HashData(stored)));
            Assert.Equal(winner.Sha256, (await store.HeadAsync(key, Ct))!.Sha256);
        }

        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder.Path, "tmp")));
        Assert.Equal(Rounds, Directory.GetFiles(Path.Combine(folder.Path, "objects")).Length);
    }

    /// <summary>Signals its first read, then waits for the go, so concurrent puts reach their rename together.</summary>
    private sealed class StartingTogetherStream(byte[] bytes, CountdownEvent started, TaskCompletionSource go) : MemoryStream(bytes)
    {
        private bool signalled;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!signalled)
            {
                signalled = true;
                started.Signal();
                await go.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }

            return await base.ReadAsync(buffer, cancellationToken);
        }
    }

    private static string CrashedPut(string root)
    {
        var partial = Path.Combine(root, "tmp", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        File.WriteAllBytes(partial, new byte[1000]);
        return partial;
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

    [Fact]
    public async Task PreviewAsync_ObjectLongerThanTheLength_ReturnsItsMetadataAndFirstBytes()
    {
        var bytes = new byte[5000];
        new Random(11).NextBytes(bytes);
        var store = new FolderObjectStore(folder.Path);
        var stored = await store.PutAsync("staging/long", new MemoryStream(bytes), bytes.Length, "image/png", Ct);

        var preview = await store.PreviewAsync("staging/long", 1024, Ct);

        Assert.NotNull(preview);
        Assert.Equal(stored, preview.Object);
        Assert.Equal(bytes[..1024], preview.FirstBytes);
    }

    [Fact]
    public async Task PreviewAsync_ObjectShorterThanTheLength_ReturnsAllItsBytesAndNoneOfTheTrailer()
    {
        var bytes = Encoding.UTF8.GetBytes("short");
        var store = new FolderObjectStore(folder.Path);
        await store.PutAsync("staging/short", new MemoryStream(bytes), 100, "text/plain", Ct);

        var preview = await store.PreviewAsync("staging/short", 1024, Ct);

        Assert.NotNull(preview);
        Assert.Equal(bytes, preview.FirstBytes);
        Assert.Equal((5L, Convert.ToHexStringLower(SHA256.HashData(bytes)), "text/plain"), (preview.Object.Size, preview.Object.Sha256, preview.Object.ContentType));
    }

    [Fact]
    public async Task PreviewAsync_EmptyObject_ReturnsNoBytes()
    {
        var store = new FolderObjectStore(folder.Path);
        await store.PutAsync("staging/empty", new MemoryStream(), 100, "text/plain", Ct);

        var preview = await store.PreviewAsync("staging/empty", 1024, Ct);

        Assert.NotNull(preview);
        Assert.Empty(preview.FirstBytes);
        Assert.Equal(0, preview.Object.Size);
    }

    [Fact]
    public async Task PreviewAsync_NoObject_ReturnsNull()
    {
        var store = new FolderObjectStore(folder.Path);

        Assert.Null(await store.PreviewAsync("staging/missing", 1024, Ct));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1024)]
    [InlineData(10_000)]
    public async Task PreviewAsync_OneOpen_AnswersAsHeadThenRead(int length)
    {
        var bytes = new byte[4096];
        new Random(length).NextBytes(bytes);
        var store = new FolderObjectStore(folder.Path);
        await store.PutAsync("staging/same", new MemoryStream(bytes), bytes.Length, "application/octet-stream", Ct);
        IObjectStore headThenRead = new HeadThenReadStore(store);

        var fast = await store.PreviewAsync("staging/same", length, Ct);
        var general = await headThenRead.PreviewAsync("staging/same", length, Ct);

        Assert.NotNull(fast);
        Assert.NotNull(general);
        Assert.Equal(general.Object, fast.Object);
        Assert.Equal(general.FirstBytes, fast.FirstBytes);
        Assert.Equal(bytes[..Math.Min(length, bytes.Length)], fast.FirstBytes);
        Assert.Null(await headThenRead.PreviewAsync("staging/other", length, Ct));
    }

    /// <summary>The store without its own preview: the port's default (a head, then a read) answers for it.</summary>
    private sealed class HeadThenReadStore(IObjectStore inner) : IObjectStore
    {
        public Task<StoredObject> PutAsync(string key, Stream content, long maxBytes, string contentType, CancellationToken cancellationToken) =>
            inner.PutAsync(key, content, maxBytes, contentType, cancellationToken);

        public Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken) => inner.HeadAsync(key, cancellationToken);

        public Task<Stream?> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken) =>
            inner.OpenReadAsync(key, offset, length, cancellationToken);

        public Task<StoredObject> PromoteAsync(string sourceKey, string destinationKey, string expectedSha256, CancellationToken cancellationToken) =>
            inner.PromoteAsync(sourceKey, destinationKey, expectedSha256, cancellationToken);

        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

        public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken) => inner.ListKeysAsync(prefix, cancellationToken);
    }
}
