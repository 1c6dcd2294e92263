using System.Security.Cryptography;
using System.Text;
using FileUploader.Core.Ports;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Local.Tests;

/// <summary>
/// Objects written by earlier versions are folders, <c>objects/{key}/data</c>, with the metadata at the end of
/// <c>data</c> or in <c>meta.json</c>; a store that writes one file per object still serves, moves and removes them.
/// </summary>
public sealed class LegacyLayoutTests : IDisposable
{
    private readonly TempDirectory folder = new();

    private static CancellationToken Ct => CancellationToken.None;

    private string Objects => Path.Combine(folder.Path, "objects");

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task HeadPromoteReadDelete_FolderWithTheTrailerInItsDataFile_WorkAsBefore()
    {
        var bytes = Encoding.UTF8.GetBytes("written when every object had its own folder");
        var sha256 = LegacyFolderWithTrailer("staging%2Fprev", bytes, "text/plain");
        var store = new FolderObjectStore(folder.Path);

        var head = (await store.HeadAsync("staging/prev", Ct))!;
        var promoted = await store.PromoteAsync("staging/prev", "files/prev", sha256, Ct);
        byte[] read;
        await using (var reader = (await store.OpenReadAsync("files/prev", 2, 10, Ct))!)
        {
            read = await ReadAllAsync(reader);
        }

        var deleted = await store.DeleteAsync("files/prev", Ct);

        Assert.Equal((bytes.Length, sha256, "text/plain"), (head.Size, head.Sha256, head.ContentType));
        Assert.Equal(("files/prev", sha256), (promoted.Key, promoted.Sha256));
        Assert.Equal(bytes[2..12], read);
        Assert.True(deleted);
        Assert.False(await store.DeleteAsync("files/prev", Ct));
        Assert.Null(await store.HeadAsync("staging/prev", Ct));
        Assert.Null(await store.HeadAsync("files/prev", Ct));
        Assert.Empty(Directory.GetFileSystemEntries(Objects));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder.Path, "trash")));
    }

    [Fact]
    public async Task ListKeysAsync_FilesAndBothFolderForms_ListsEveryKey()
    {
        var store = new FolderObjectStore(folder.Path);
        await store.PutAsync("files/new", new MemoryStream([1, 2, 3]), 10, "text/plain", Ct);
        LegacyFolderWithMetaJson("files%2Fold", [4, 5], "text/plain");
        LegacyFolderWithTrailer("staging%2Fprev", [6], "text/plain");

        var all = await ListAsync(store, string.Empty);
        var files = await ListAsync(store, "files/");

        Assert.Equal(["files/new", "files/old", "staging/prev"], all);
        Assert.Equal(["files/new", "files/old"], files);
    }

    [Fact]
    public async Task PutAsync_KeyHeldByALegacyFolder_ThrowsAlreadyExistsAndKeepsTheOldBytes()
    {
        var sha256 = LegacyFolderWithMetaJson("files%2Fheld", [9, 9, 9], "application/octet-stream");
        var store = new FolderObjectStore(folder.Path);

        await Assert.ThrowsAsync<ObjectAlreadyExistsException>(
            () => store.PutAsync("files/held", new MemoryStream([1]), 10, "text/plain", Ct));

        Assert.Equal(sha256, (await store.HeadAsync("files/held", Ct))!.Sha256);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder.Path, "tmp")));
    }

    [Fact]
    public async Task PromoteAsync_LegacyDestinationAlreadyHoldsTheBytes_SucceedsAndRemovesTheNewSource()
    {
        // A promote that ran under the earlier version, then the staged copy put again under this one.
        var bytes = new byte[] { 1, 2, 3, 4 };
        var sha256 = LegacyFolderWithTrailer("files%2Fdone", bytes, "text/plain");
        var store = new FolderObjectStore(folder.Path);
        await store.PutAsync("staging/done", new MemoryStream(bytes), 10, "text/plain", Ct);

        var promoted = await store.PromoteAsync("staging/done", "files/done", sha256, Ct);

        Assert.Equal(sha256, promoted.Sha256);
        Assert.Null(await store.HeadAsync("staging/done", Ct));
        Assert.Equal(["files/done"], await ListAsync(store, string.Empty));
    }

    [Fact]
    public async Task PreviewAsync_LegacyFolders_ReturnTheirMetadataAndFirstBytes()
    {
        var withTrailer = Encoding.UTF8.GetBytes("%PDF-1.7 written with the trailer in data");
        var withMetaJson = Encoding.UTF8.GetBytes("%PDF-1.4 written with meta.json beside data");
        var trailerSha = LegacyFolderWithTrailer("staging%2Ftrailer", withTrailer, "application/pdf");
        var metaSha = LegacyFolderWithMetaJson("staging%2Fmeta", withMetaJson, "application/pdf");
        var store = new FolderObjectStore(folder.Path);

        var fromTrailer = (await store.PreviewAsync("staging/trailer", 8, Ct))!;
        var fromMetaJson = (await store.PreviewAsync("staging/meta", 1024, Ct))!;

        Assert.Equal((withTrailer.Length, trailerSha), (fromTrailer.Object.Size, fromTrailer.Object.Sha256));
        Assert.Equal(withTrailer[..8], fromTrailer.FirstBytes);
        Assert.Equal((withMetaJson.Length, metaSha), (fromMetaJson.Object.Size, fromMetaJson.Object.Sha256));
        Assert.Equal(withMetaJson, fromMetaJson.FirstBytes);
    }

    private string LegacyFolderWithTrailer(string name, byte[] bytes, string contentType)
    {
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var trailer = ObjectFile.Trailer(new StoredObject("unused", bytes.Length, sha256, contentType));
        var objectFolder = Path.Combine(Objects, name);
        Directory.CreateDirectory(objectFolder);
        File.WriteAllBytes(Path.Combine(objectFolder, "data"), [.. bytes, .. trailer]);
        return sha256;
    }

    private string LegacyFolderWithMetaJson(string name, byte[] bytes, string contentType)
    {
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var objectFolder = Path.Combine(Objects, name);
        Directory.CreateDirectory(objectFolder);
        File.WriteAllBytes(Path.Combine(objectFolder, "data"), bytes);
        File.WriteAllText(Path.Combine(objectFolder, "meta.json"), $$"""{"size":{{bytes.Length}},"sha256":"{{sha256}}","contentType":"{{contentType}}"}""");
        return sha256;
    }

    private static async Task<List<string>> ListAsync(FolderObjectStore store, string prefix)
    {
        var keys = new List<string>();
        await foreach (var key in store.ListKeysAsync(prefix, Ct))
        {
            keys.Add(key);
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
