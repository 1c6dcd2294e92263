using FileUploader.Core.Ports;
using FileUploader.Testing.Fixtures;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.Storage.Local.Tests;

public sealed class LocalStorageTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        folder.Dispose();
    }

    [Fact]
    public async Task AddLocalStorage_Resolved_WiresTheThreeAdaptersOverTheDataFolder()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time);
        services.AddLocalStorage(folder.Path, new Uri("http://127.0.0.1:5000"));
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IObjectStore>();
        var catalog = provider.GetRequiredService<IFileCatalog>();
        var signer = provider.GetRequiredService<ILinkSigner>();

        Assert.IsType<FolderObjectStore>(store);
        Assert.IsType<SqliteFileCatalog>(catalog);
        Assert.Same(provider.GetRequiredService<HmacLinkSigner>(), signer);
        await store.PutAsync("files/x", new MemoryStream([1]), 1, "text/plain", CancellationToken.None);
        Assert.True(Directory.Exists(Path.Combine(folder.Path, LocalStorage.ObjectsFolder, "objects")));
        Assert.True(File.Exists(Path.Combine(folder.Path, LocalStorage.CatalogFile)));
        Assert.True(File.Exists(Path.Combine(folder.Path, HmacLinkSigner.KeyFileName)));
        // The registered TimeProvider is the signer's clock: a link made now is expired once the fake clock passes it.
        var url = signer.CreateDownloadUrl("files/x", "x", time.GetUtcNow().AddSeconds(10));
        time.Advance(TimeSpan.FromSeconds(10));
        var query = url.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => (string?)Uri.UnescapeDataString(p[1]));
        Assert.Equal(LinkStatus.Expired, ((HmacLinkSigner)signer).VerifyDownload("files/x", query).Status);
    }
}
