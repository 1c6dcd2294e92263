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
    private SqliteFileCatalog? catalog;

    protected override Task<IFileCatalog> CreateCatalogAsync()
    {
        catalog = new SqliteFileCatalog(Path.Combine(folder.Path, "catalog.db"));
        return Task.FromResult<IFileCatalog>(catalog);
    }

    public void Dispose()
    {
        // The catalog keeps its connections open; close them before removing the folder.
        catalog?.Dispose();
        folder.Dispose();
    }
}

/// <summary>The same contract on the catalog a server uses: the file held exclusively, one connection for everything.</summary>
public sealed class ExclusiveSqliteFileCatalogContractTests : FileCatalogContract, IDisposable
{
    private readonly TempDirectory folder = new();
    private DataFolderLock? folderLock;
    private SqliteFileCatalog? catalog;

    protected override Task<IFileCatalog> CreateCatalogAsync()
    {
        folderLock = DataFolderLock.Acquire(folder.Path);
        catalog = new SqliteFileCatalog(Path.Combine(folder.Path, "catalog.db"), folderLock);
        return Task.FromResult<IFileCatalog>(catalog);
    }

    public void Dispose()
    {
        catalog?.Dispose();
        folderLock?.Dispose();
        folder.Dispose();
    }
}
