using FileUploader.Core.Ports;
using FileUploader.Testing.Contracts;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Local.Tests;

public sealed class FolderObjectStoreContractTests : ObjectStoreContract, IDisposable
{
    private readonly TempDirectory folder = new();

    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new FolderObjectStore(folder.Path));

    public void Dispose() => folder.Dispose();
}

public sealed class SqliteFileCatalogContractTests : FileCatalogContract, IDisposable
{
    private readonly TempDirectory folder = new();

    protected override Task<IFileCatalog> CreateCatalogAsync() =>
        Task.FromResult<IFileCatalog>(new SqliteFileCatalog(Path.Combine(folder.Path, "catalog.db")));

    public void Dispose()
    {
        // Pooled connections keep the file open; release them before removing the folder.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        folder.Dispose();
    }
}
