using FileUploader.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FileUploader.Storage.Local;

/// <summary>The embedded default: everything under one data folder.</summary>
public static class LocalStorage
{
    /// <summary>Objects live here, under the data folder.</summary>
    public const string ObjectsFolder = "objects";

    /// <summary>The catalog's SQLite file, in the data folder.</summary>
    public const string CatalogFile = "catalog.db";

    /// <summary>
    /// Registers <see cref="FolderObjectStore"/> as <see cref="IObjectStore"/>, <see cref="SqliteFileCatalog"/> as
    /// <see cref="IFileCatalog"/> and <see cref="HmacLinkSigner"/> (also as <see cref="ILinkSigner"/>), all singletons
    /// over <paramref name="dataDirectory"/>. Adds <see cref="TimeProvider.System"/> unless a TimeProvider is registered.
    /// The object store and the catalog hold the folder's <see cref="DataFolderLock"/> (registered here unless one is
    /// already): resolving them while another server holds the folder throws <see cref="DataFolderInUseException"/>.
    /// </summary>
    public static IServiceCollection AddLocalStorage(this IServiceCollection services, string dataDirectory, Uri publicBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        var root = Path.GetFullPath(dataDirectory);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => DataFolderLock.Acquire(root));
        services.AddSingleton<IObjectStore>(sp => new FolderObjectStore(Path.Combine(root, ObjectsFolder), sp.GetRequiredService<DataFolderLock>()));
        services.AddSingleton<IFileCatalog>(sp => new SqliteFileCatalog(Path.Combine(root, CatalogFile), sp.GetRequiredService<DataFolderLock>()));
        services.AddSingleton(sp => new HmacLinkSigner(root, publicBaseUrl, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ILinkSigner>(sp => sp.GetRequiredService<HmacLinkSigner>());
        return services;
    }
}
