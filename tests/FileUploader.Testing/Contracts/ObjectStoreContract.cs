using System.Security.Cryptography;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using Xunit;

namespace FileUploader.Testing.Contracts;

/// <summary>
/// What every <see cref="IObjectStore"/> must do. An adapter's test project adds a one-line subclass that returns
/// its store (over its fixture). Tests use keys unique to the test instance, so a shared bucket is fine.
/// </summary>
public abstract class ObjectStoreContract : IAsyncLifetime
{
    private readonly string run = Guid.NewGuid().ToString("N")[..12];

    private IObjectStore? store;

    protected IObjectStore Store => store ?? throw new InvalidOperationException("InitializeAsync has not run.");

    protected static CancellationToken Ct => CancellationToken.None;

    /// <summary>The adapter under test, ready to use.</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    public virtual async Task InitializeAsync() => store = await CreateStoreAsync();

    public virtual Task DisposeAsync() => store is IAsyncDisposable d ? d.DisposeAsync().AsTask() : Task.CompletedTask;

    protected string StagingKey(string name) => $"staging/{run}-{name}";

    protected string FileKey(string name) => $"files/{run}-{name}";

    protected static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(count).NextBytes(bytes);
        return bytes;
    }

    protected static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    protected async Task<StoredObject> PutBytesAsync(string key, byte[] bytes, string contentType = "application/octet-stream")
    {
        using var content = new MemoryStream(bytes);
        return await Store.PutAsync(key, content, maxBytes: bytes.Length + 1024, contentType, Ct);
    }

    protected async Task<byte[]?> ReadAllAsync(string key, long offset = 0, long? length = null)
    {
        await using var stream = await Store.OpenReadAsync(key, offset, length, Ct);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    protected async Task<List<string>> ListAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (var key in Store.ListKeysAsync(prefix, Ct))
        {
            keys.Add(key);
        }

        return keys;
    }

    [Fact]
    public async Task PutAsync_NewKey_StoresBytesWithSha256ComputedWhileStreaming()
    {
        var bytes = RandomBytes(100_000);
        var key = StagingKey("new");

        // A non-seekable stream: the store cannot hash by re-reading the source.
        await using var content = new TrickleStream(bytes);
        var stored = await Store.PutAsync(key, content, maxBytes: 1_000_000, "image/png", Ct);

        Assert.Equal(new StoredObject(key, bytes.Length, Sha256Hex(bytes), "image/png"), stored);
        Assert.Equal(stored, await Store.HeadAsync(key, Ct));
        Assert.Equal(bytes, await ReadAllAsync(key));
    }

    [Fact]
    public async Task PutAsync_SeveralMebibytes_RoundTripsBytesAndChecksum()
    {
        // Larger than an S3 multipart part (5 MiB), so a multipart path is exercised where there is one.
        var bytes = RandomBytes(6 * 1024 * 1024 + 123);
        var key = StagingKey("large");

        await using var content = new TrickleStream(bytes, chunk: 64 * 1024);
        var stored = await Store.PutAsync(key, content, maxBytes: bytes.Length, "application/zip", Ct);

        Assert.Equal(bytes.Length, stored.Size);
        Assert.Equal(Sha256Hex(bytes), stored.Sha256);
        Assert.Equal(Sha256Hex(bytes), Sha256Hex((await ReadAllAsync(key))!));
    }

    [Fact]
    public async Task PutAsync_EmptyStream_StoresEmptyObject()
    {
        var key = StagingKey("empty");

        var stored = await PutBytesAsync(key, []);

        Assert.Equal(0, stored.Size);
        Assert.Equal(Sha256Hex([]), stored.Sha256);
        Assert.Equal(Array.Empty<byte>(), await ReadAllAsync(key));
    }

    [Fact]
    public async Task PutAsync_ExactlyMaxBytes_Succeeds()
    {
        var bytes = RandomBytes(4096);
        var key = StagingKey("exact");

        using var content = new MemoryStream(bytes);
        var stored = await Store.PutAsync(key, content, maxBytes: 4096, "text/plain", Ct);

        Assert.Equal(4096, stored.Size);
    }

    [Fact]
    public async Task PutAsync_OneByteOverMaxBytes_ThrowsObjectTooLargeAndLeavesNothing()
    {
        var key = StagingKey("over");

        using var content = new MemoryStream(RandomBytes(4097));
        var error = await Assert.ThrowsAsync<ObjectTooLargeException>(
            () => Store.PutAsync(key, content, maxBytes: 4096, "text/plain", Ct));

        Assert.Equal(4096, error.MaxBytes);
        Assert.Null(await Store.HeadAsync(key, Ct));
        Assert.Null(await ReadAllAsync(key));
        Assert.Empty(await ListAsync(StagingKey("")));
    }

    [Fact]
    public async Task PutAsync_EndlessStream_StopsAsSoonAsMaxBytesIsCrossed()
    {
        var key = StagingKey("endless");

        // The source throws if the store keeps reading long after the limit: it must stop, not buffer the body.
        await using var content = new EndlessStream(failAfterBytes: 32L * 1024 * 1024);
        await Assert.ThrowsAsync<ObjectTooLargeException>(
            () => Store.PutAsync(key, content, maxBytes: 10_000, "application/octet-stream", Ct));

        Assert.True(content.BytesRead <= 32L * 1024 * 1024, $"read {content.BytesRead} bytes");
        Assert.Null(await Store.HeadAsync(key, Ct));
        Assert.Empty(await ListAsync(StagingKey("")));
    }

    [Fact]
    public async Task PutAsync_SourceFailsMidway_LeavesNothingUnderTheKey()
    {
        var key = StagingKey("aborted");

        // A client that disconnects mid-body.
        await using var content = new TrickleStream(RandomBytes(200_000), failAfterBytes: 100_000);
        await Assert.ThrowsAnyAsync<Exception>(
            () => Store.PutAsync(key, content, maxBytes: 1_000_000, "application/octet-stream", Ct));

        Assert.Null(await Store.HeadAsync(key, Ct));
        Assert.Empty(await ListAsync(StagingKey("")));
    }

    [Fact]
    public async Task PutAsync_ExistingKey_ThrowsObjectAlreadyExistsAndKeepsOriginal()
    {
        var key = StagingKey("taken");
        var original = RandomBytes(1000);
        await PutBytesAsync(key, original);

        await Assert.ThrowsAsync<ObjectAlreadyExistsException>(() => PutBytesAsync(key, RandomBytes(2000)));

        Assert.Equal(original, await ReadAllAsync(key));
        Assert.Equal(Sha256Hex(original), (await Store.HeadAsync(key, Ct))!.Sha256);
    }

    [Fact]
    public async Task PutAsync_ConcurrentPutsToOneKey_ExactlyOneWins()
    {
        var key = StagingKey("race");
        var bodies = Enumerable.Range(0, 8).Select(i => RandomBytes(50_000 + i)).ToArray();

        var attempts = bodies.Select(async body =>
        {
            try
            {
                await PutBytesAsync(key, body);
                return body;
            }
            catch (ObjectAlreadyExistsException)
            {
                return null;
            }
        });
        var winners = (await Task.WhenAll(attempts)).Where(b => b is not null).ToList();

        var winner = Assert.Single(winners);
        Assert.Equal(winner, await ReadAllAsync(key));
        Assert.Equal(Sha256Hex(winner!), (await Store.HeadAsync(key, Ct))!.Sha256);
    }

    [Fact]
    public async Task HeadAsync_MissingKey_ReturnsNull()
    {
        Assert.Null(await Store.HeadAsync(StagingKey("missing"), Ct));
    }

    [Fact]
    public async Task OpenReadAsync_MissingKey_ReturnsNull()
    {
        Assert.Null(await ReadAllAsync(StagingKey("missing")));
    }

    [Fact]
    public async Task OpenReadAsync_Range_ReturnsExactlyThoseBytes()
    {
        var bytes = RandomBytes(10_000);
        var key = StagingKey("range");
        await PutBytesAsync(key, bytes);

        Assert.Equal(bytes[100..350], await ReadAllAsync(key, offset: 100, length: 250));
        Assert.Equal(bytes[..1], await ReadAllAsync(key, offset: 0, length: 1));
        Assert.Equal(bytes[9_990..], await ReadAllAsync(key, offset: 9_990, length: null));
    }

    [Fact]
    public async Task OpenReadAsync_RangePastTheEnd_IsCutAtTheEnd()
    {
        var bytes = RandomBytes(1000);
        var key = StagingKey("tail");
        await PutBytesAsync(key, bytes);

        Assert.Equal(bytes[900..], await ReadAllAsync(key, offset: 900, length: 500));
    }

    [Fact]
    public async Task PromoteAsync_StagedObject_MovesItWithItsChecksum()
    {
        var bytes = RandomBytes(30_000);
        var source = StagingKey("promote");
        var destination = FileKey("promote");
        await PutBytesAsync(source, bytes, "application/pdf");

        var promoted = await Store.PromoteAsync(source, destination, Sha256Hex(bytes), Ct);

        Assert.Equal(new StoredObject(destination, bytes.Length, Sha256Hex(bytes), "application/pdf"), promoted);
        Assert.Null(await Store.HeadAsync(source, Ct));
        Assert.Equal(promoted, await Store.HeadAsync(destination, Ct));
        Assert.Equal(bytes, await ReadAllAsync(destination));
    }

    [Fact]
    public async Task PromoteAsync_RunTwiceAfterSourceIsGone_SucceedsAgain()
    {
        var bytes = RandomBytes(5000);
        var source = StagingKey("twice");
        var destination = FileKey("twice");
        await PutBytesAsync(source, bytes);
        var first = await Store.PromoteAsync(source, destination, Sha256Hex(bytes), Ct);

        var second = await Store.PromoteAsync(source, destination, Sha256Hex(bytes), Ct);

        Assert.Equal(first, second);
        Assert.Equal(bytes, await ReadAllAsync(destination));
    }

    [Fact]
    public async Task PromoteAsync_DestinationDoneButSourceLeftBehind_SucceedsAndRemovesSource()
    {
        // A copy-then-delete store crashed between the two: the re-run must finish the job.
        var bytes = RandomBytes(5000);
        var source = StagingKey("leftover");
        var destination = FileKey("leftover");
        await PutBytesAsync(source, bytes);
        await PutBytesAsync(destination, bytes);

        var promoted = await Store.PromoteAsync(source, destination, Sha256Hex(bytes), Ct);

        Assert.Equal(Sha256Hex(bytes), promoted.Sha256);
        Assert.Null(await Store.HeadAsync(source, Ct));
        Assert.Equal(bytes, await ReadAllAsync(destination));
    }

    [Fact]
    public async Task PromoteAsync_NoSourceNoDestination_ThrowsNotFound()
    {
        var error = await Assert.ThrowsAsync<StepFailedException>(
            () => Store.PromoteAsync(StagingKey("nothing"), FileKey("nothing"), Sha256Hex([1]), Ct));

        Assert.Equal(ErrorNames.NotFound, error.ErrorName);
        Assert.False(error.Retryable);
    }

    [Fact]
    public async Task PromoteAsync_SourceWithOtherChecksum_ThrowsConflictAndMovesNothing()
    {
        var bytes = RandomBytes(5000);
        var source = StagingKey("changed");
        var destination = FileKey("changed");
        await PutBytesAsync(source, bytes);

        var error = await Assert.ThrowsAsync<StepFailedException>(
            () => Store.PromoteAsync(source, destination, Sha256Hex([1, 2, 3]), Ct));

        Assert.Equal(ErrorNames.Conflict, error.ErrorName);
        Assert.Equal(bytes, await ReadAllAsync(source));
        Assert.Null(await Store.HeadAsync(destination, Ct));
    }

    [Fact]
    public async Task PromoteAsync_DestinationHoldsOtherBytes_ThrowsConflictAndKeepsBoth()
    {
        var staged = RandomBytes(5000);
        var existing = RandomBytes(6000);
        var source = StagingKey("occupied");
        var destination = FileKey("occupied");
        await PutBytesAsync(source, staged);
        await PutBytesAsync(destination, existing);

        var error = await Assert.ThrowsAsync<StepFailedException>(
            () => Store.PromoteAsync(source, destination, Sha256Hex(staged), Ct));

        Assert.Equal(ErrorNames.Conflict, error.ErrorName);
        Assert.Equal(staged, await ReadAllAsync(source));
        Assert.Equal(existing, await ReadAllAsync(destination));
    }

    [Fact]
    public async Task DeleteAsync_ExistingObject_ReturnsTrueAndRemovesIt()
    {
        var key = FileKey("delete");
        await PutBytesAsync(key, RandomBytes(100));

        Assert.True(await Store.DeleteAsync(key, Ct));

        Assert.Null(await Store.HeadAsync(key, Ct));
        Assert.Null(await ReadAllAsync(key));
        Assert.Empty(await ListAsync(key));
    }

    [Fact]
    public async Task DeleteAsync_AlreadyGone_SucceedsWithFalse()
    {
        var key = FileKey("gone");
        await PutBytesAsync(key, RandomBytes(100));
        await Store.DeleteAsync(key, Ct);

        Assert.False(await Store.DeleteAsync(key, Ct));
        Assert.False(await Store.DeleteAsync(FileKey("never-there"), Ct));
    }

    [Fact]
    public async Task DeleteAsync_ThenPut_StoresTheNewObject()
    {
        var key = FileKey("reuse");
        await PutBytesAsync(key, RandomBytes(100));
        await Store.DeleteAsync(key, Ct);
        var fresh = RandomBytes(200);

        await PutBytesAsync(key, fresh);

        Assert.Equal(fresh, await ReadAllAsync(key));
    }

    [Fact]
    public async Task ListKeysAsync_Prefix_ReturnsExactlyTheKeysStartingWithIt()
    {
        await PutBytesAsync(StagingKey("list-a"), [1]);
        await PutBytesAsync(StagingKey("list-b"), [2]);
        await PutBytesAsync(StagingKey("other"), [3]);
        await PutBytesAsync(FileKey("list-c"), [4]);

        var keys = await ListAsync(StagingKey("list-"));

        Assert.Equal(
            new[] { StagingKey("list-a"), StagingKey("list-b") },
            keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(3, (await ListAsync(StagingKey(""))).Count);
        Assert.Empty(await ListAsync(StagingKey("no-such-prefix")));
    }
}
