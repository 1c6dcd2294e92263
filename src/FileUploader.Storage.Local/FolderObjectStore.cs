using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Storage.Local;

/// <summary>
/// Objects as folders on disk: <c>objects/{encoded key}/data</c>, the bytes followed by their metadata (size,
/// SHA-256, type; see <see cref="ObjectFile"/>). Folders written by earlier versions hold the metadata in a second
/// file, <c>meta.json</c>, and are read as before. A put writes the file into <c>tmp/{guid}</c>, flushes it to the
/// disk and renames the folder into place, so the object appears whole or not at all, with its metadata, in one
/// atomic step. Renaming a folder onto an existing (never empty) object folder fails, which gives put-if-absent
/// without a lock; promote is the same rename, and delete renames into <c>trash/</c> before removing, so readers
/// never see half an object.
/// <para>
/// Durability: the bytes and metadata are fsynced before the rename publishes them (so nothing that refers to an
/// object can outlive a power loss that its bytes did not), and the rename itself is made durable by an fsync of
/// <c>objects/</c> before the call returns. That folder fsync is shared: concurrent puts, promotes and deletes wait
/// for one fsync that started after their rename (<see cref="SharedDirectorySync"/>).
/// </para>
/// </summary>
public sealed class FolderObjectStore : IObjectStore
{
    private const string DataFile = "data";
    private const string LegacyMetaFile = "meta.json";
    private const int CopyBufferSize = 128 * 1024;

    private readonly string objects;
    private readonly string temporary;
    private readonly string trash;
    private readonly Func<string, FileStream> createDataFile;
    private readonly SharedDirectorySync objectsSync;

    /// <summary>
    /// A store in <paramref name="rootDirectory"/> that may share the folder with another live instance: temporary
    /// files are swept at start only once they are an hour old (the other instance may still be writing them).
    /// </summary>
    public FolderObjectStore(string rootDirectory)
        : this(rootDirectory, CreateDataFile, exclusive: false)
    {
    }

    /// <summary>
    /// The store of a server holding <paramref name="folderLock"/>: no other writer of ours can be alive for this
    /// folder, so whatever is in <c>tmp/</c> at start is a crashed put's leftover and is removed at once.
    /// </summary>
    public FolderObjectStore(string rootDirectory, DataFolderLock folderLock)
        : this(rootDirectory, CreateDataFile, exclusive: IsInside(rootDirectory, folderLock))
    {
    }

    /// <param name="createDataFile">Opens the temporary data file; tests swap it to cause a real full-disk error.</param>
    /// <param name="exclusive">True when no other instance can be writing in this folder (see <see cref="DataFolderLock"/>).</param>
    internal FolderObjectStore(string rootDirectory, Func<string, FileStream> createDataFile, bool exclusive = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        var root = Path.GetFullPath(rootDirectory);
        objects = Path.Combine(root, "objects");
        temporary = Path.Combine(root, "tmp");
        trash = Path.Combine(root, "trash");
        this.createDataFile = createDataFile;
        Directory.CreateDirectory(objects);
        Directory.CreateDirectory(temporary);
        Directory.CreateDirectory(trash);
        objectsSync = new SharedDirectorySync(objects);
        RemoveLeftovers(exclusive);
    }

    public async Task<StoredObject> PutAsync(string key, Stream content, long maxBytes, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(contentType);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var destination = ObjectFolder(key);
        var staging = Path.Combine(temporary, Guid.NewGuid().ToString("N"));
        var published = false;
        try
        {
            OnDisk(() => Directory.CreateDirectory(staging), key);
            var stored = await WriteDataAsync(key, Path.Combine(staging, DataFile), content, maxBytes, contentType, cancellationToken);
            // The folder's entry for the data file must be on disk before the folder is published under its key.
            OnDisk(() => DirectorySync.Flush(staging), key);

            if (!TryRename(staging, destination, key))
            {
                throw new ObjectAlreadyExistsException(key);
            }

            published = true;
            await objectsSync.FlushAsync();
            return stored;
        }
        finally
        {
            if (!published)
            {
                DeleteQuietly(staging);
            }
        }
    }

    public Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(ReadMetadata(key, ObjectFolder(key)));

    public Task<Stream?> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        if (OpenObject(key, ObjectFolder(key)) is not var (file, stored))
        {
            return Task.FromResult<Stream?>(null);
        }

        // The data file may go on past the bytes (the metadata trailer): every read stops at the object's size.
        var start = Math.Min(offset, stored.Size);
        file.Seek(start, SeekOrigin.Begin);
        var remaining = stored.Size - start;
        var take = length is null ? remaining : Math.Min(length.Value, remaining);
        return Task.FromResult<Stream?>(take == file.Length - start ? file : new BoundedReadStream(file, take));
    }

    public async Task<StoredObject> PromoteAsync(string sourceKey, string destinationKey, string expectedSha256, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(expectedSha256);
        var source = ObjectFolder(sourceKey);
        var destination = ObjectFolder(destinationKey);

        // Two rounds: a concurrent promote may move the source between our look and our rename.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var existing = ReadMetadata(destinationKey, destination);
            if (existing is not null)
            {
                if (!SameChecksum(existing.Sha256, expectedSha256))
                {
                    throw new StepFailedException(
                        ErrorNames.Conflict, $"'{destinationKey}' already holds other bytes than the staged '{sourceKey}'.");
                }

                // Done before (a step run twice); finish the job if the source was left behind.
                if (ReadMetadata(sourceKey, source) is { } leftover && SameChecksum(leftover.Sha256, expectedSha256))
                {
                    await RemoveFolderAsync(source, sourceKey);
                }
                else
                {
                    // A run before a crash may have renamed without its fsync finishing: make the rename durable now.
                    await objectsSync.FlushAsync();
                }

                return existing;
            }

            var staged = ReadMetadata(sourceKey, source);
            if (staged is null)
            {
                if (attempt == 0)
                {
                    continue;
                }

                throw new StepFailedException(ErrorNames.NotFound, $"There is nothing at '{sourceKey}' to promote.");
            }

            if (!SameChecksum(staged.Sha256, expectedSha256))
            {
                throw new StepFailedException(
                    ErrorNames.Conflict, $"'{sourceKey}' does not hold the bytes with SHA-256 {expectedSha256}.");
            }

            if (TryRename(source, destination, destinationKey))
            {
                await objectsSync.FlushAsync();
                return staged with { Key = destinationKey };
            }
        }

        throw new StepFailedException(ErrorNames.NotFound, $"There is nothing at '{sourceKey}' to promote.");
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) =>
        RemoveFolderAsync(ObjectFolder(key), key);

    public async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        await Task.CompletedTask;
        foreach (var folder in Directory.EnumerateDirectories(objects))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = ObjectKeys.FromFileName(Path.GetFileName(folder));
            if (key is not null && key.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return key;
            }
        }
    }

    private static FileStream CreateDataFile(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        Share = FileShare.None,
        BufferSize = 0,
    });

    private async Task<StoredObject> WriteDataAsync(
        string key, string path, Stream content, long maxBytes, string contentType, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            await using var file = OnDisk(() => createDataFile(path), key);
            long size = 0;
            // Bytes wait in the buffer until it is full, so a small object and its trailer reach the file in one write.
            var filled = 0;
            while (true)
            {
                // Source errors (a client going away) are not the disk's: they pass through unchanged.
                var read = await content.ReadAsync(buffer.AsMemory(filled, CopyBufferSize - filled), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                size += read;
                if (size > maxBytes)
                {
                    throw new ObjectTooLargeException(key, maxBytes);
                }

                hash.AppendData(buffer, filled, read);
                filled += read;
                if (filled == CopyBufferSize)
                {
                    await OnDiskAsync(() => file.WriteAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken), key);
                    filled = 0;
                }
            }

            var stored = new StoredObject(key, size, Convert.ToHexStringLower(hash.GetHashAndReset()), contentType);
            var trailer = ObjectFile.Trailer(stored);
            if (filled + trailer.Length <= buffer.Length)
            {
                trailer.CopyTo(buffer, filled);
                var length = filled + trailer.Length;
                await OnDiskAsync(() => file.WriteAsync(buffer.AsMemory(0, length), cancellationToken), key);
            }
            else
            {
                var length = filled;
                await OnDiskAsync(() => file.WriteAsync(buffer.AsMemory(0, length), cancellationToken), key);
                await OnDiskAsync(() => file.WriteAsync(trailer, cancellationToken), key);
            }

            // One fsync for the bytes and their metadata, before anything can refer to them.
            OnDisk(() => file.Flush(flushToDisk: true), key);
            return stored;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static StoredObject? ReadMetadata(string key, string folder)
    {
        if (OpenObject(key, folder) is not var (file, stored))
        {
            return null;
        }

        file.Dispose();
        return stored;
    }

    /// <summary>The object's open data file (positioned at 0) and its metadata; null when there is no object.</summary>
    private static (FileStream File, StoredObject Stored)? OpenObject(string key, string folder)
    {
        // An object folder written by an earlier version keeps its metadata in meta.json, and its data file is the bytes alone.
        var legacy = LegacyMetadata(key, folder);
        var path = Path.Combine(folder, DataFile);
        if (legacy is null && !File.Exists(path))
        {
            // The common "not there" answer without the cost of an exception; the catch below covers the race.
            return null;
        }

        FileStream file;
        try
        {
            // FileShare.Delete: a delete (a rename of the folder) may happen while someone is reading.
            file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.SequentialScan,
            });
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return (file, legacy ?? ObjectFile.ReadMetadata(file.SafeFileHandle, key));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static StoredObject? LegacyMetadata(string key, string folder)
    {
        var path = Path.Combine(folder, LegacyMetaFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            var meta = JsonSerializer.Deserialize(file, LocalStorageJsonContext.Default.ObjectMetadata);
            return meta is null ? null : new StoredObject(key, meta.Size, meta.Sha256, meta.ContentType);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static bool SameChecksum(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>Atomic folder rename; false when the destination exists (or appeared meanwhile).</summary>
    private static bool TryRename(string from, string to, string key)
    {
        if (Directory.Exists(to))
        {
            return false;
        }

        try
        {
            Directory.Move(from, to);
            return true;
        }
        catch (IOException) when (Directory.Exists(to))
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException e)
        {
            throw Classify(e, key);
        }
    }

    /// <summary>Renames the object out of sight first, so it is gone at once even if the removal is interrupted.</summary>
    private async Task<bool> RemoveFolderAsync(string folder, string key)
    {
        var doomed = Path.Combine(trash, Guid.NewGuid().ToString("N"));
        try
        {
            Directory.Move(folder, doomed);
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException) when (!Directory.Exists(folder))
        {
            return false;
        }
        catch (IOException e)
        {
            throw Classify(e, key);
        }

        await objectsSync.FlushAsync();
        DeleteQuietly(doomed);
        return true;
    }

    private string ObjectFolder(string key) => Path.Combine(objects, ObjectKeys.ToFileName(key));

    /// <summary>
    /// Removes what a crash left: everything in trash/ (already deleted logically) and in tmp/ (puts that never
    /// finished). Without <paramref name="exclusive"/> ownership of the folder, only tmp/ entries untouched for an
    /// hour go: a put in progress in another instance on the same folder keeps touching its own.
    /// </summary>
    private void RemoveLeftovers(bool exclusive)
    {
        foreach (var folder in Directory.EnumerateDirectories(trash))
        {
            DeleteQuietly(folder);
        }

        var stale = DateTime.UtcNow.AddHours(-1);
        foreach (var entry in Directory.EnumerateFileSystemEntries(temporary))
        {
            if (exclusive || Directory.GetLastWriteTimeUtc(entry) < stale)
            {
                DeleteQuietly(entry);
            }
        }
    }

    private static bool IsInside(string rootDirectory, DataFolderLock folderLock)
    {
        ArgumentNullException.ThrowIfNull(folderLock);
        var root = Path.GetFullPath(rootDirectory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var locked = folderLock.DataDirectory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return root.StartsWith(locked, StringComparison.Ordinal)
            ? true
            : throw new ArgumentException($"The store folder {rootDirectory} is not inside the locked data folder {folderLock.DataDirectory}.", nameof(folderLock));
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
            else
            {
                // Not ours to create, but a stray file in tmp/ or trash/ is swept all the same.
                File.Delete(folder);
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // Best effort: leftovers are swept at the next start.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static T OnDisk<T>(Func<T> action, string key)
    {
        try
        {
            return action();
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw Classify(e, key);
        }
    }

    private static void OnDisk(Action action, string key) => OnDisk(() => { action(); return 0; }, key);

    private static async Task OnDiskAsync(Func<ValueTask> action, string key)
    {
        try
        {
            await action();
        }
        catch (IOException e)
        {
            throw Classify(e, key);
        }
    }

    private static StepFailedException Classify(IOException e, string key) =>
        DiskErrors.IsDiskFull(e)
            ? new StepFailedException(ErrorNames.InsufficientStorage, $"Not enough disk space to store '{key}'.", retryable: false, e)
            : new StepFailedException(ErrorNames.StorageUnavailable, $"The disk failed while storing '{key}': {e.Message}", retryable: true, e);
}

internal sealed record ObjectMetadata(long Size, string Sha256, string ContentType);
