using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Storage.Local;

/// <summary>
/// Objects as folders on disk: <c>objects/{encoded key}/data</c> plus <c>meta.json</c> (size, SHA-256, type).
/// A put writes both files into <c>tmp/{guid}</c>, flushes them to the disk and renames the folder into place, so
/// the object appears whole or not at all, with its metadata, in one atomic step. Renaming a folder onto an
/// existing (never empty) object folder fails, which gives put-if-absent without a lock; promote is the same
/// rename, and delete renames into <c>trash/</c> before removing, so readers never see half an object.
/// </summary>
public sealed class FolderObjectStore : IObjectStore
{
    private const string DataFile = "data";
    private const string MetaFile = "meta.json";
    private const int CopyBufferSize = 128 * 1024;

    private readonly string objects;
    private readonly string temporary;
    private readonly string trash;
    private readonly Func<string, FileStream> createDataFile;

    public FolderObjectStore(string rootDirectory)
        : this(rootDirectory, CreateDataFile)
    {
    }

    /// <param name="createDataFile">Opens the temporary data file; tests swap it to cause a real full-disk error.</param>
    internal FolderObjectStore(string rootDirectory, Func<string, FileStream> createDataFile)
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
        RemoveLeftovers();
    }

    public async Task<StoredObject> PutAsync(string key, Stream content, long maxBytes, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(contentType);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var destination = ObjectFolder(key);
        var staging = Path.Combine(temporary, Guid.NewGuid().ToString("N"));
        try
        {
            OnDisk(() => Directory.CreateDirectory(staging), key);
            var (size, sha256) = await WriteDataAsync(key, Path.Combine(staging, DataFile), content, maxBytes, cancellationToken);
            var stored = new StoredObject(key, size, sha256, contentType);
            OnDisk(() => WriteMetadata(Path.Combine(staging, MetaFile), stored), key);
            OnDisk(() => DirectorySync.Flush(staging), key);

            if (!TryRename(staging, destination, key))
            {
                throw new ObjectAlreadyExistsException(key);
            }

            OnDisk(() => DirectorySync.Flush(objects), key);
            return stored;
        }
        finally
        {
            DeleteQuietly(staging);
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

        var path = Path.Combine(ObjectFolder(key), DataFile);
        FileStream file;
        try
        {
            // FileShare.Delete: a delete (a rename of the folder) may happen while someone is downloading.
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
            return Task.FromResult<Stream?>(null);
        }

        var start = Math.Min(offset, file.Length);
        file.Seek(start, SeekOrigin.Begin);
        var remaining = file.Length - start;
        if (length is null || length >= remaining)
        {
            return Task.FromResult<Stream?>(file);
        }

        return Task.FromResult<Stream?>(new BoundedReadStream(file, length.Value));
    }

    public Task<StoredObject> PromoteAsync(string sourceKey, string destinationKey, string expectedSha256, CancellationToken cancellationToken)
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
                    RemoveFolder(source, sourceKey);
                }

                return Task.FromResult(existing);
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
                OnDisk(() => DirectorySync.Flush(objects), destinationKey);
                return Task.FromResult(staged with { Key = destinationKey });
            }
        }

        throw new StepFailedException(ErrorNames.NotFound, $"There is nothing at '{sourceKey}' to promote.");
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(RemoveFolder(ObjectFolder(key), key));

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

    private async Task<(long Size, string Sha256)> WriteDataAsync(
        string key, string path, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            await using var file = OnDisk(() => createDataFile(path), key);
            long size = 0;
            while (true)
            {
                // Source errors (a client going away) are not the disk's: they pass through unchanged.
                var read = await content.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                size += read;
                if (size > maxBytes)
                {
                    throw new ObjectTooLargeException(key, maxBytes);
                }

                hash.AppendData(buffer, 0, read);
                await OnDiskAsync(() => file.WriteAsync(buffer.AsMemory(0, read), cancellationToken), key);
            }

            OnDisk(() => file.Flush(flushToDisk: true), key);
            return (size, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void WriteMetadata(string path, StoredObject stored)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        JsonSerializer.Serialize(
            file, new ObjectMetadata(stored.Size, stored.Sha256, stored.ContentType), LocalStorageJsonContext.Default.ObjectMetadata);
        file.Flush(flushToDisk: true);
    }

    private static StoredObject? ReadMetadata(string key, string folder)
    {
        var path = Path.Combine(folder, MetaFile);
        if (!File.Exists(path))
        {
            // The common "not there" answer without the cost of an exception; the catch below covers the race.
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
    private bool RemoveFolder(string folder, string key)
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

        OnDisk(() => DirectorySync.Flush(objects), key);
        DeleteQuietly(doomed);
        return true;
    }

    private string ObjectFolder(string key) => Path.Combine(objects, ObjectKeys.ToFileName(key));

    /// <summary>
    /// Removes what a crash left: everything in trash/ (already deleted logically), and tmp/ folders untouched for
    /// an hour (a put in progress in another instance on the same folder keeps touching its own).
    /// </summary>
    private void RemoveLeftovers()
    {
        foreach (var folder in Directory.EnumerateDirectories(trash))
        {
            DeleteQuietly(folder);
        }

        var stale = DateTime.UtcNow.AddHours(-1);
        foreach (var folder in Directory.EnumerateDirectories(temporary))
        {
            if (Directory.GetLastWriteTimeUtc(folder) < stale)
            {
                DeleteQuietly(folder);
            }
        }
    }

    private static void DeleteQuietly(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        try
        {
            Directory.Delete(folder, recursive: true);
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
