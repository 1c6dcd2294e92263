using System.Runtime.InteropServices;

namespace FileUploader.Storage.Local;

/// <summary>
/// fsync on a folder, so a rename (the moment an object appears or disappears) survives a power loss, not only a
/// crashed process. .NET cannot open a folder as a FileStream, hence the libc calls. Linux only: elsewhere there is
/// no portable way to flush a folder, and the rename is left to the OS.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;

    public static void Flush(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // A failure is reported, never swallowed: the caller is about to say a rename is durable, and it is not.
        var fd = Open(folder, ReadOnly);
        if (fd < 0)
        {
            throw Failure("open", folder);
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw Failure("fsync", folder);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static IOException Failure(string call, string folder)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} of the folder '{folder}' failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int Close(int fd);
}
