using System.Security.Cryptography;
using FileUploader.Core.Ports;
using FileUploader.Testing.Contracts;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Aws.Tests;

/// <summary>
/// The object store on s3rver, for what s3rver implements faithfully (see ContractSubclasses.cs for why it does
/// not run the whole contract). The bytes stored must be exactly the bytes sent: s3rver keeps an aws-chunked body
/// verbatim, which is why the store sends plain bodies.
/// </summary>
[Collection(S3rverCollection.Name)]
public sealed class S3rverObjectStoreTests(S3rverFixture s3rver) : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private IObjectStore? _store;

    private IObjectStore Store => _store!;

    public async Task InitializeAsync() => _store = await AwsTestStorage.CreateObjectStoreAsync(s3rver);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task PutAsync_StreamedBody_ReadsBackByteForByteWithItsSha256()
    {
        var bytes = RandomBytes(300_000);

        var stored = await Store.PutAsync("staging/plain", new TrickleStream(bytes), 1_000_000, "image/png", Ct);

        Assert.Equal(new StoredObject("staging/plain", bytes.Length, Sha256Hex(bytes), "image/png"), stored);
        Assert.Equal(stored, await Store.HeadAsync("staging/plain", Ct));
        Assert.Equal(bytes, await ReadAsync("staging/plain", 0, null));
        Assert.Equal(bytes[1000..3000], await ReadAsync("staging/plain", 1000, 2000));
    }

    [Fact]
    public async Task PutAsync_ExistingKey_IsRefusedByTheHeadCheckThatStandsInForIfNoneMatch()
    {
        var original = RandomBytes(100);
        await Store.PutAsync("staging/once", new MemoryStream(original), 1000, "text/plain", Ct);

        await Assert.ThrowsAsync<ObjectAlreadyExistsException>(
            () => Store.PutAsync("staging/once", new MemoryStream(RandomBytes(200)), 1000, "text/plain", Ct));

        Assert.Equal(original, await ReadAsync("staging/once", 0, null));
    }

    [Fact]
    public async Task PutAsync_OverTheLimit_ThrowsAndLeavesNothing()
    {
        await Assert.ThrowsAsync<ObjectTooLargeException>(
            () => Store.PutAsync("staging/big", new EndlessStream(1 << 24), 50_000, "text/plain", Ct));

        Assert.Null(await Store.HeadAsync("staging/big", Ct));
    }

    [Fact]
    public async Task DeleteAsync_ThenAgain_ReportsPresenceThenAbsence()
    {
        await Store.PutAsync("files/gone", new MemoryStream([1]), 10, "text/plain", Ct);

        Assert.True(await Store.DeleteAsync("files/gone", Ct));
        Assert.False(await Store.DeleteAsync("files/gone", Ct));
        Assert.Null(await Store.OpenReadAsync("files/gone", 0, null, Ct));
    }

    [Fact]
    public async Task ListKeysAsync_Prefix_ReturnsOnlyThoseKeys()
    {
        await Store.PutAsync("staging/l-1", new MemoryStream([1]), 10, "text/plain", Ct);
        await Store.PutAsync("staging/l-2", new MemoryStream([2]), 10, "text/plain", Ct);
        await Store.PutAsync("files/l-3", new MemoryStream([3]), 10, "text/plain", Ct);

        var keys = new List<string>();
        await foreach (var key in Store.ListKeysAsync("staging/l-", Ct))
        {
            keys.Add(key);
        }

        Assert.Equal(["staging/l-1", "staging/l-2"], keys.Order(StringComparer.Ordinal));
    }

    private async Task<byte[]> ReadAsync(string key, long offset, long? length)
    {
        await using var stream = (await Store.OpenReadAsync(key, offset, length, Ct))!;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(count).NextBytes(bytes);
        return bytes;
    }
}
