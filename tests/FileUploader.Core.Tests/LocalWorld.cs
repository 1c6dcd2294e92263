using System.Security.Cryptography;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Storage.Local;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.Core.Tests;

/// <summary>
/// The steps' real surroundings: a folder object store and a SQLite catalog in a fresh temp folder, an HMAC signer,
/// and a fake clock. Removed afterwards.
/// </summary>
public sealed class LocalWorld : IDisposable
{
    public static readonly DateTimeOffset Start = new(2031, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public LocalWorld(UploadPolicy? policy = null)
    {
        Folder = Path.Combine(Path.GetTempPath(), "fileuploader-core-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        Time = new FakeTimeProvider(Start);
        Store = new FolderObjectStore(Path.Combine(Folder, "objects"));
        Catalog = new SqliteFileCatalog(Path.Combine(Folder, "catalog.db"));
        Signer = new HmacLinkSigner(Folder, new Uri("http://127.0.0.1:8080/"), Time);
        Policy = policy ?? UploadPolicy.Default;
    }

    public string Folder { get; }

    public FakeTimeProvider Time { get; }

    public FolderObjectStore Store { get; }

    public SqliteFileCatalog Catalog { get; }

    public HmacLinkSigner Signer { get; }

    public UploadPolicy Policy { get; }

    public static CancellationToken Ct => CancellationToken.None;

    /// <summary>Announces an upload (as the HTTP API does, file id assigned now) and stages its bytes.</summary>
    public async Task<UploadSession> StageAsync(
        byte[] bytes,
        string fileName = "photo.png",
        string? contentType = "image/png",
        long? declaredSize = null,
        TimeSpan? linkLifetime = null,
        long? maxDownloads = null)
    {
        var id = "up-" + Guid.NewGuid().ToString("N")[..16];
        var session = new UploadSession(
            Id: id,
            FileName: fileName,
            DeclaredSize: declaredSize ?? bytes.Length,
            DeclaredContentType: contentType,
            CreatedAt: Time.GetUtcNow(),
            UploadUrlExpiresAt: Time.GetUtcNow().AddMinutes(15),
            LinkLifetime: linkLifetime ?? TimeSpan.FromHours(1),
            MaxDownloads: maxDownloads,
            DeleteTokenHash: Convert.ToHexStringLower(SHA256.HashData("token"u8)),
            Status: UploadStatus.Processing,
            FileId: "f-" + Guid.NewGuid().ToString("N")[..16],
            Error: null,
            Message: null);
        Assert.True(await Catalog.TryCreateUploadAsync(session, Ct));
        await Store.PutAsync(StorageKeys.Staging(id), new MemoryStream(bytes), bytes.Length, contentType ?? "application/octet-stream", Ct);
        return session;
    }

    public async Task<List<string>> KeysAsync(string prefix = "")
    {
        var keys = new List<string>();
        await foreach (var key in Store.ListKeysAsync(prefix, Ct))
        {
            keys.Add(key);
        }

        return keys;
    }

    public void Dispose()
    {
        Catalog.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>Small, valid file heads for the sniffer.</summary>
public static class Samples
{
    public static byte[] Png { get; } = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4];

    public static byte[] Jpeg { get; } = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46, 0x49, 0x46, 0, 1];

    public static byte[] Pdf { get; } = "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\n"u8.ToArray();

    public static byte[] Zip { get; } = [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0, 8, 0, 1, 2, 3, 4];

    public static byte[] WindowsExe { get; } = [0x4D, 0x5A, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF];

    public static byte[] Elf { get; } = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0, 0, 0, 0, 0];

    public static byte[] Html { get; } = "\n  <!DOCTYPE html><html><body><script>alert(1)</script></body></html>"u8.ToArray();

    public static byte[] Svg { get; } = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"u8.ToArray();

    public static byte[] Text { get; } = "just some notes\nline two\n"u8.ToArray();
}
