using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using Microsoft.Win32.SafeHandles;

namespace FileUploader.Storage.Local;

/// <summary>
/// Objects as files on disk: <c>objects/{encoded key}</c>, the bytes followed by their metadata (size, SHA-256, type;
/// see <see cref="ObjectFile"/>). One file per object, no folder: creating folders is the dearest thing a put did.
/// A put writes the file into <c>tmp/{guid}</c>, flushes it to the disk and renames it into place with
/// <see cref="NoReplaceRename"/>, so the object appears whole or not at all, with its metadata, in one atomic step,
/// and the rename fails when the key is taken, which gives put-if-absent without a lock; promote is the same rename,
/// and delete unlinks the file (atomic too), so readers never see half an object.
/// <para>
/// Earlier versions stored each object as a folder, <c>objects/{encoded key}/data</c>, with the metadata either at
/// the end of <c>data</c> or in a second file, <c>meta.json</c>. Both are still read, promoted (the folder is renamed
/// as a whole), listed and deleted (renamed into <c>trash/</c> first, since removing a folder takes several steps).
/// </para>
/// <para>
/// Durability: the bytes and metadata are fsynced before the rename publishes them (so nothing that refers to an
/// object can outlive a power loss that its bytes did not). A promote's or a delete's rename is made durable by an
/// fsync of <c>objects/</c> before the call returns. That folder fsync is shared: concurrent promotes and deletes wait
/// for one fsync that started after their rename (<see cref="SharedDirectorySync"/>).
/// </para>
/// <para>
/// A put does not wait for a folder fsync of its own. In this service a put only ever stages an upload, and every
/// staged object is then promoted or deleted in the same folder, whose fsync makes the put's rename durable too (a
/// folder's fsync persists every change to its entries made before it), before anything about the upload is
/// acknowledged. A power loss in between can lose a staged upload nobody was answered for; its workflow (or the
/// session reconciler) then fails it. Its bytes are still fsynced before its rename, so no half-written object can
/// ever appear under its key.
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
        var destination = ObjectPath(key);
        var staging = Path.Combine(temporary, Guid.NewGuid().ToString("N"));
        var published = false;
        try
        {
            // The file is fsynced inside; its name in tmp/ need not be durable, only the one the rename gives it in
            // objects/, which the next fsync of objects/ (the promote's) makes so.
            var stored = await WriteDataAsync(key, staging, content, maxBytes, contentType, cancellationToken);
            switch (Rename(staging, destination, key))
            {
                case RenameOutcome.DestinationExists:
                    throw new ObjectAlreadyExistsException(key);
                case RenameOutcome.SourceMissing:
                    throw new StepFailedException(
                        ErrorNames.StorageUnavailable, $"The temporary file of '{key}' vanished before it was stored.", retryable: true);
            }

            // No folder fsync here: the promote or delete that follows every staged put makes this rename durable (see
            // the class remarks). A kill -9 cannot lose it either way: the kernel holds the folder.
            published = true;
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
        Task.FromResult(ReadMetadata(key, ObjectPath(key)));

    /// <summary>One open of the object's file for both its metadata (the trailer) and its first bytes.</summary>
    public Task<ObjectPreview?> PreviewAsync(string key, int length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (OpenObject(key, ObjectPath(key), FileOptions.None) is not var (file, stored))
        {
            return Task.FromResult<ObjectPreview?>(null);
        }

        using (file)
        {
            var firstBytes = new byte[(int)Math.Min(length, stored.Size)];
            var filled = 0;
            while (filled < firstBytes.Length)
            {
                var read = RandomAccess.Read(file, firstBytes.AsSpan(filled), filled);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            return Task.FromResult<ObjectPreview?>(new ObjectPreview(stored, filled == firstBytes.Length ? firstBytes : firstBytes[..filled]));
        }
    }

    public Task<Stream?> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        if (OpenObject(key, ObjectPath(key), FileOptions.SequentialScan) is not var (handle, stored))
        {
            return Task.FromResult<Stream?>(null);
        }

        FileStream file;
        try
        {
            file = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
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
        var source = ObjectPath(sourceKey);
        var destination = ObjectPath(destinationKey);

        // Two rounds: a concurrent promote may move the source between our look and our rename.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var staged = ReadMetadata(sourceKey, source);

            // The usual case first, without a look at the destination: the rename never replaces, so it tells whether
            // the destination is taken, and a taken one is decided below exactly as if it had been looked at first.
            if (staged is not null && SameChecksum(staged.Sha256, expectedSha256))
            {
                switch (Rename(source, destination, destinationKey))
                {
                    case RenameOutcome.Moved:
                        await objectsSync.FlushAsync();
                        return staged with { Key = destinationKey };
                    case RenameOutcome.SourceMissing:
                        // Moved or removed meanwhile: the next round looks again.
                        continue;
                }
            }

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
                    await RemoveAsync(source, sourceKey);
                }
                else
                {
                    // A run before a crash may have renamed without its fsync finishing: make the rename durable now.
                    await objectsSync.FlushAsync();
                }

                return existing;
            }

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

            // The destination was taken at the rename and is gone now: the next round tries again.
        }

        throw new StepFailedException(ErrorNames.NotFound, $"There is nothing at '{sourceKey}' to promote.");
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) =>
        RemoveAsync(ObjectPath(key), key);

    public async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        await Task.CompletedTask;
        // Files (this layout) and folders (the earlier one) alike: objects/ holds nothing else.
        foreach (var entry in Directory.EnumerateFileSystemEntries(objects))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = ObjectKeys.FromFileName(Path.GetFileName(entry));
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
            // The last writes are synchronous: the fsync right after blocks this thread anyway, and an asynchronous
            // write of a file opened for synchronous I/O only moves the same blocking call to another pool thread (one
            // more hand-off and context switch per object; for a small upload, its only write).
            cancellationToken.ThrowIfCancellationRequested();
            if (filled + trailer.Length <= buffer.Length)
            {
                trailer.CopyTo(buffer, filled);
                var length = filled + trailer.Length;
                OnDisk(() => file.Write(buffer, 0, length), key);
            }
            else
            {
                var length = filled;
                OnDisk(() => file.Write(buffer, 0, length), key);
                OnDisk(() => file.Write(trailer), key);
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

    private static StoredObject? ReadMetadata(string key, string path)
    {
        if (OpenObject(key, path, FileOptions.None) is not var (file, stored))
        {
            return null;
        }

        file.Dispose();
        return stored;
    }

    /// <summary>
    /// The object's open data file (positioned at 0) and its metadata; null when there is no object. <paramref name="path"/>
    /// is the object's file, or the folder of an object an earlier version wrote. <paramref name="options"/>: SequentialScan
    /// for a stream that reads the bytes through (the kernel reads ahead); None for a look at the metadata and the first
    /// bytes, where that hint is only one more syscall. A bare handle, not a FileStream: a look at the metadata reads at
    /// offsets and needs neither the stream's position (an lseek at open) nor its objects.
    /// </summary>
    private static (SafeFileHandle File, StoredObject Stored)? OpenObject(string key, string path, FileOptions options)
    {
        // The common answers first, each for the cost of a stat: an object file, or nothing at all (no exception).
        if (File.Exists(path))
        {
            return OpenDataFile(key, path, legacy: null, options);
        }

        if (!Directory.Exists(path))
        {
            return null;
        }

        // A folder from an earlier version: its data file holds the trailer, or the bytes alone with meta.json beside.
        var legacy = LegacyMetadata(key, path);
        return OpenDataFile(key, Path.Combine(path, DataFile), legacy, options);
    }

    private static (SafeFileHandle File, StoredObject Stored)? OpenDataFile(string key, string path, StoredObject? legacy, FileOptions options)
    {
        SafeFileHandle file;
        try
        {
            // FileShare.Delete: a delete (an unlink, or a rename of a legacy folder) may happen while someone is reading.
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, options);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Deleted between the look and the open.
            return null;
        }

        try
        {
            return (file, legacy ?? ObjectFile.ReadMetadata(file, key));
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

    /// <summary>Atomic put-if-absent rename of an object file (or a legacy object folder); disk failures classified.</summary>
    private static RenameOutcome Rename(string from, string to, string key)
    {
        try
        {
            return NoReplaceRename.TryMove(from, to);
        }
        catch (IOException e)
        {
            throw Classify(e, key);
        }
    }

    /// <summary>
    /// An object file goes with one unlink, atomic like the rename that made it. A legacy folder is renamed out of sight
    /// first, so it is gone at once even if removing its files is interrupted.
    /// </summary>
    private async Task<bool> RemoveAsync(string path, string key)
    {
        string? doomedFolder = null;
        try
        {
            if (!NoReplaceRename.TryDeleteFile(path))
            {
                doomedFolder = Path.Combine(trash, Guid.NewGuid().ToString("N"));
                if (!Directory.Exists(path) || NoReplaceRename.TryMove(path, doomedFolder) != RenameOutcome.Moved)
                {
                    return false;
                }
            }
        }
        catch (IOException e)
        {
            throw Classify(e, key);
        }

        await objectsSync.FlushAsync();
        if (doomedFolder is not null)
        {
            DeleteQuietly(doomedFolder);
        }

        return true;
    }

    private string ObjectPath(string key) => Path.Combine(objects, ObjectKeys.ToFileName(key));

    /// <summary>
    /// Removes what a crash left: everything in trash/ (already deleted logically) and in tmp/ (puts that never
    /// finished). Without <paramref name="exclusive"/> ownership of the folder, only tmp/ entries untouched for an
    /// hour go: a put in progress in another instance on the same folder keeps touching its own.
    /// </summary>
    private void RemoveLeftovers(bool exclusive)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(trash))
        {
            DeleteQuietly(entry);
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

    /// <summary>Removes a file (a temporary object file) or a folder (a legacy object, a crashed put of an earlier version).</summary>
    private static void DeleteQuietly(string entry)
    {
        try
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
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
