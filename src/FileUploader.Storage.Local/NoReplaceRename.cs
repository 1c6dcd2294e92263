using System.Runtime.InteropServices;

namespace FileUploader.Storage.Local;

/// <summary>What a <see cref="NoReplaceRename.TryMove"/> did.</summary>
internal enum RenameOutcome
{
    Moved,
    DestinationExists,
    SourceMissing,
}

/// <summary>
/// An atomic rename that never replaces: put-if-absent for files and folders. .NET's
/// <c>File.Move(source, destination, overwrite: false)</c> is not that on Linux: strace shows it <c>lstat</c>s the
/// destination and, when it is missing, calls plain <c>rename(2)</c>, which silently replaces a file another put moved
/// there in between. So on Linux this calls <c>renameat2(RENAME_NOREPLACE)</c> (one syscall, EEXIST when taken), and
/// on a file system without it, <c>link(2)</c> + <c>unlink(2)</c> (link fails with EEXIST just as atomically).
/// Elsewhere it falls back to .NET's moves (best effort; the store's crash and race guarantees are for Linux).
/// </summary>
internal static partial class NoReplaceRename
{
    private const int AtCurrentDirectory = -100;
    private const uint RenameNoReplace = 1;
    private const int Enoent = 2;
    private const int Eexist = 17;
    private const int Enotdir = 20;
    private const int Eisdir = 21;
    private const int Einval = 22;
    private const int Enotempty = 39;
    private const int Enosys = 38;
    private const int Eopnotsupp = 95;

    /// <summary>
    /// Moves <paramref name="source"/> (a file or a folder) to <paramref name="destination"/> unless something is
    /// there already. Other failures throw an <see cref="IOException"/> whose HResult is the errno.
    /// </summary>
    public static RenameOutcome TryMove(string source, string destination)
    {
        if (!OperatingSystem.IsLinux())
        {
            return MoveWithDotNet(source, destination);
        }

        if (RenameAt2(AtCurrentDirectory, source, AtCurrentDirectory, destination, RenameNoReplace) == 0)
        {
            return RenameOutcome.Moved;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            Eexist or Enotempty => RenameOutcome.DestinationExists,
            Enoent => RenameOutcome.SourceMissing,
            Einval or Enosys or Eopnotsupp => LinkThenUnlink(source, destination),
            _ => throw Failure(errno, source, destination),
        };
    }

    /// <summary>Removes one file; false when there is no file by that name (also when it is a folder).</summary>
    public static bool TryDeleteFile(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }

        if (Unlink(path) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        // unlink(2) on a folder answers EISDIR on Linux; ENOTDIR when a parent is a file.
        return errno is Enoent or Eisdir or Enotdir
            ? false
            : throw new IOException($"Could not delete {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    private static RenameOutcome LinkThenUnlink(string source, string destination)
    {
        if (Directory.Exists(source))
        {
            // Folders (the legacy layout) cannot be hard-linked; rename(2) refuses a non-empty or non-folder
            // destination, and every object folder holds its data file.
            return MoveWithDotNet(source, destination);
        }

        if (Link(source, destination) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                Eexist => RenameOutcome.DestinationExists,
                Enoent => RenameOutcome.SourceMissing,
                _ => throw Failure(errno, source, destination),
            };
        }

        // Both names now point at the same complete file; a crash here leaves the source behind, which is a temporary
        // file (swept at start) or a staged object that the promote run again removes.
        if (Unlink(source) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Enoent)
            {
                throw Failure(errno, source, destination);
            }
        }

        return RenameOutcome.Moved;
    }

    private static RenameOutcome MoveWithDotNet(string source, string destination)
    {
        var folder = Directory.Exists(source);
        if (!folder && !File.Exists(source))
        {
            return RenameOutcome.SourceMissing;
        }

        if (Directory.Exists(destination) || File.Exists(destination))
        {
            return RenameOutcome.DestinationExists;
        }

        try
        {
            if (folder)
            {
                Directory.Move(source, destination);
            }
            else
            {
                File.Move(source, destination, overwrite: false);
            }

            return RenameOutcome.Moved;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return RenameOutcome.SourceMissing;
        }
        catch (IOException) when (Directory.Exists(destination) || File.Exists(destination))
        {
            return RenameOutcome.DestinationExists;
        }
    }

    private static IOException Failure(int errno, string source, string destination) =>
        new($"Could not move {source} to {destination}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    [LibraryImport("libc", EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int Link(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int Unlink(string path);
}
