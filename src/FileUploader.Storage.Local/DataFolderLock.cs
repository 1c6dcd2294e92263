namespace FileUploader.Storage.Local;

/// <summary>
/// An exclusive lock on a data folder, held for as long as this object lives: two servers must never share one
/// (two engines would run the same journaled executions, and each would take the other's half-written temporary
/// files for crash leftovers). The lock is the kernel's advisory <c>flock</c> on <c>{data}/.lock</c> — what
/// <see cref="FileShare.None"/> takes on Linux — so it is released the moment the holder dies, even by kill -9, and
/// a stale lock file on disk means nothing. Holding it is what lets start-up sweep every temporary file at once:
/// no writer of ours can still be alive for this folder.
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    public const string FileName = ".lock";

    private readonly FileStream file;

    private DataFolderLock(string dataDirectory, FileStream file)
    {
        DataDirectory = dataDirectory;
        this.file = file;
    }

    /// <summary>The folder this lock holds (full path).</summary>
    public string DataDirectory { get; }

    /// <summary>Takes the lock or fails at once with <see cref="DataFolderInUseException"/>; never waits.</summary>
    public static DataFolderLock Acquire(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        var root = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, FileName);
        try
        {
            var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                BufferSize = 0,
            });
            return new DataFolderLock(root, file);
        }
        catch (IOException e) when (HeldByAnother(e))
        {
            throw new DataFolderInUseException(root, e);
        }
    }

    public void Dispose() => file.Dispose();

    // Linux: flock's EWOULDBLOCK (.NET puts the errno in HResult); Windows: ERROR_SHARING_VIOLATION.
    private static bool HeldByAnother(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) == 32 : e.HResult == 11;
}

/// <summary>Another process (or another server in this one) holds the data folder.</summary>
public sealed class DataFolderInUseException(string dataDirectory, Exception inner)
    : Exception($"The data folder {dataDirectory} is in use by another FileUploader server (it holds {Path.Combine(dataDirectory, DataFolderLock.FileName)}). Stop that server or choose another --data folder.", inner)
{
    public string DataDirectory { get; } = dataDirectory;
}
