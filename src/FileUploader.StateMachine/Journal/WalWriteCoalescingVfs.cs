using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// A SQLite VFS that is the platform's own (unix, win32) except for WAL files: there it hands the frames of one commit
/// to the file in one write instead of two per frame. SQLite writes each WAL frame as its 24-byte header and then its
/// page, each its own pwrite; a journal commit is one to two frames, so three to four system calls, and a system call
/// is what costs most on the machines the journal runs on (a paravirtualised guest traps on every one). Held back
/// until the commit frame's page arrives, the frames go to the file in one call, at the same offsets and with the same
/// bytes, before SQLite's write of that page returns: when a commit returns it is in the WAL file, as before.
/// </summary>
/// <remarks>
/// Only writes SQLite is known to follow with more writes of the same commit are held: the WAL header, a frame
/// header, and the page after the header of a frame that does not end a commit. Anything else (the commit frame's
/// page, a write at another offset, any write this does not recognise) writes everything held and itself at once.
/// Every other call on the file (read, sync, truncate, size, file control, close) first writes what is held, so
/// SQLite never sees the file without its own writes (a checkpoint reading frames back, a sync of the log).
/// </remarks>
internal static unsafe partial class WalWriteCoalescingVfs
{
    /// <summary>The name connections give in their URI (<c>?vfs=</c>) to use this VFS.</summary>
    public const string Name = "fileuploader-wal-coalescing";

    private const int SqliteOk = 0;
    private const int SqliteIoErrWrite = 10 | (3 << 8);
    private const int SqliteOpenWal = 0x00080000;
    private const int FrameHeaderSize = 24;
    private const int WalHeaderSize = 32;

    /// <summary>
    /// A commit larger than this (a big Map's results) is written in pieces of about this size, each still one call.
    /// Below 128 KiB because the unix VFS takes no more in one write: it keeps only the low 17 bits of the length
    /// (seekAndWrite in os_unix.c), so a longer write would be cut short and fail as SQLITE_FULL.
    /// </summary>
    private const int MaxHeldBytes = 96 * 1024;

    private static readonly Lock RegisterGate = new();
    private static Vfs* s_platform;
    private static Vfs* s_vfs;
    private static IoMethods* s_methods;

    /// <summary>Registers the VFS once per process (SQLite keeps it until the process ends); false if it cannot wrap the platform's.</summary>
    public static bool EnsureRegistered()
    {
        lock (RegisterGate)
        {
            if (s_vfs is not null)
            {
                return true;
            }

            Vfs* platform;
            try
            {
                platform = sqlite3_vfs_find(null);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                // SQLite is not the bundled e_sqlite3 here (another SQLitePCLRaw provider): journal through its own VFS.
                return false;
            }


            if (platform is null || platform->iVersion < 3)
            {
                return false;
            }

            var methods = (IoMethods*)NativeMemory.AllocZeroed((nuint)sizeof(IoMethods));
            methods->iVersion = 3;
            methods->xClose = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, int>)&Close;
            methods->xRead = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, void*, int, long, int>)&Read;
            methods->xWrite = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, void*, int, long, int>)&Write;
            methods->xTruncate = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, long, int>)&Truncate;
            methods->xSync = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, int, int>)&Sync;
            methods->xFileSize = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, long*, int>)&FileSize;
            methods->xLock = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, int, int>)&LockFile;
            methods->xUnlock = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, int, int>)&UnlockFile;
            methods->xCheckReservedLock = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, int*, int>)&CheckReservedLock;
            methods->xFileControl = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, int, void*, int>)&FileControl;
            methods->xSectorSize = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, int>)&SectorSize;
            methods->xDeviceCharacteristics = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, int>)&DeviceCharacteristics;
            methods->xShmMap = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, int, int, int, void**, int>)&ShmMap;
            methods->xShmLock = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, int, int, int, int>)&ShmLock;
            methods->xShmBarrier = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, void>)&ShmBarrier;
            methods->xShmUnmap = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, int, int>)&ShmUnmap;
            methods->xFetch = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, long, int, void**, int>)&Fetch;
            methods->xUnfetch = (nint)(delegate* unmanaged[Cdecl]<ShimFile*, long, void*, int>)&Unfetch;

            // A copy of the platform's VFS (its pAppData too, which its own functions read): only the file size and
            // xOpen differ, so every other call goes straight to the platform.
            var vfs = (Vfs*)NativeMemory.Alloc((nuint)sizeof(Vfs));
            *vfs = *platform;
            vfs->pNext = null;
            vfs->szOsFile = sizeof(ShimFile) + platform->szOsFile;
            vfs->zName = (byte*)Marshal.StringToCoTaskMemUTF8(Name);
            vfs->xOpen = (nint)(delegate* unmanaged[Cdecl]<Vfs*, byte*, ShimFile*, int, int*, int>)&Open;

            s_platform = platform;
            s_methods = methods;
            var rc = sqlite3_vfs_register(vfs, makeDefault: 0);
            if (rc != SqliteOk)
            {
                return false;
            }

            s_vfs = vfs;
            return true;
        }
    }

    [LibraryImport("e_sqlite3")]
    private static partial Vfs* sqlite3_vfs_find(byte* name);

    [LibraryImport("e_sqlite3")]
    private static partial int sqlite3_vfs_register(Vfs* vfs, int makeDefault);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Open(Vfs* vfs, byte* name, ShimFile* file, int flags, int* outFlags)
    {
        if ((flags & SqliteOpenWal) == 0)
        {
            // Not a WAL file: the platform's file fills the space itself (from its start), its methods called directly.
            return ((delegate* unmanaged[Cdecl]<Vfs*, byte*, void*, int, int*, int>)s_platform->xOpen)(s_platform, name, file, flags, outFlags);
        }

        *file = default;
        file->PageAfterHeaderAt = -1;
        var rc = ((delegate* unmanaged[Cdecl]<Vfs*, byte*, void*, int, int*, int>)s_platform->xOpen)(s_platform, name, Inner(file), flags, outFlags);

        // SQLite calls xClose only on a file whose methods are set: set ours only when the platform's open set its own.
        file->Methods = Inner(file)->Methods is null ? null : s_methods;
        return rc;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Write(ShimFile* file, void* data, int amount, long offset)
    {
        if (file->HeldLength > 0 && offset != file->HeldStart + file->HeldLength)
        {
            var flushed = Flush(file);
            if (flushed != SqliteOk)
            {
                return flushed;
            }
        }

        // Whether this write is followed by more of the same commit (see the remarks on the class).
        var followedByMore = false;
        if (amount == FrameHeaderSize)
        {
            // A frame header: bytes 4-7 are the database size after a commit frame, 0 in every other frame.
            var header = (byte*)data;
            file->PageAfterHeaderAt = offset + FrameHeaderSize;
            file->PageAfterHeaderEndsCommit = (header[4] | header[5] | header[6] | header[7]) != 0;
            followedByMore = true;
        }
        else if (offset == file->PageAfterHeaderAt)
        {
            followedByMore = !file->PageAfterHeaderEndsCommit;
            file->PageAfterHeaderAt = -1;
        }
        else if (offset == 0 && amount == WalHeaderSize)
        {
            followedByMore = true;
        }

        if (file->HeldLength + amount > MaxHeldBytes)
        {
            var flushed = Flush(file);
            if (flushed != SqliteOk)
            {
                return flushed;
            }
        }

        if (amount > MaxHeldBytes)
        {
            return InnerWrite(file, data, amount, offset);
        }

        Hold(file, data, amount, offset);
        return followedByMore ? SqliteOk : Flush(file);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Close(ShimFile* file)
    {
        var flushed = Flush(file);
        var closed = InnerMethods(file)->xClose != 0
            ? ((delegate* unmanaged[Cdecl]<ShimFile*, int>)InnerMethods(file)->xClose)(Inner(file))
            : SqliteOk;
        NativeMemory.Free(file->Held);
        *file = default;
        return flushed != SqliteOk ? flushed : closed;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Read(ShimFile* file, void* data, int amount, long offset)
    {
        var flushed = Flush(file);
        return flushed != SqliteOk
            ? flushed
            : ((delegate* unmanaged[Cdecl]<ShimFile*, void*, int, long, int>)InnerMethods(file)->xRead)(Inner(file), data, amount, offset);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Truncate(ShimFile* file, long size)
    {
        var flushed = Flush(file);
        return flushed != SqliteOk
            ? flushed
            : ((delegate* unmanaged[Cdecl]<ShimFile*, long, int>)InnerMethods(file)->xTruncate)(Inner(file), size);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Sync(ShimFile* file, int flags)
    {
        var flushed = Flush(file);
        return flushed != SqliteOk
            ? flushed
            : ((delegate* unmanaged[Cdecl]<ShimFile*, int, int>)InnerMethods(file)->xSync)(Inner(file), flags);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int FileSize(ShimFile* file, long* size)
    {
        var flushed = Flush(file);
        return flushed != SqliteOk
            ? flushed
            : ((delegate* unmanaged[Cdecl]<ShimFile*, long*, int>)InnerMethods(file)->xFileSize)(Inner(file), size);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int FileControl(ShimFile* file, int op, void* argument)
    {
        var flushed = Flush(file);
        return flushed != SqliteOk
            ? flushed
            : ((delegate* unmanaged[Cdecl]<ShimFile*, int, void*, int>)InnerMethods(file)->xFileControl)(Inner(file), op, argument);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int LockFile(ShimFile* file, int level) =>
        ((delegate* unmanaged[Cdecl]<ShimFile*, int, int>)InnerMethods(file)->xLock)(Inner(file), level);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int UnlockFile(ShimFile* file, int level) =>
        ((delegate* unmanaged[Cdecl]<ShimFile*, int, int>)InnerMethods(file)->xUnlock)(Inner(file), level);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CheckReservedLock(ShimFile* file, int* result) =>
        ((delegate* unmanaged[Cdecl]<ShimFile*, int*, int>)InnerMethods(file)->xCheckReservedLock)(Inner(file), result);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int SectorSize(ShimFile* file) =>
        ((delegate* unmanaged[Cdecl]<ShimFile*, int>)InnerMethods(file)->xSectorSize)(Inner(file));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int DeviceCharacteristics(ShimFile* file) =>
        ((delegate* unmanaged[Cdecl]<ShimFile*, int>)InnerMethods(file)->xDeviceCharacteristics)(Inner(file));

    // SQLite maps shared memory and pages of the database file, never of a WAL file; passed on all the same, so the
    // methods are whole (version 3) whatever the platform's file supports.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ShmMap(ShimFile* file, int region, int size, int extend, void** mapped) =>
        InnerMethods(file)->iVersion >= 2
            ? ((delegate* unmanaged[Cdecl]<ShimFile*, int, int, int, void**, int>)InnerMethods(file)->xShmMap)(Inner(file), region, size, extend, mapped)
            : SqliteIoErrWrite;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ShmLock(ShimFile* file, int offset, int count, int flags) =>
        InnerMethods(file)->iVersion >= 2
            ? ((delegate* unmanaged[Cdecl]<ShimFile*, int, int, int, int>)InnerMethods(file)->xShmLock)(Inner(file), offset, count, flags)
            : SqliteIoErrWrite;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void ShmBarrier(ShimFile* file)
    {
        if (InnerMethods(file)->iVersion >= 2)
        {
            ((delegate* unmanaged[Cdecl]<ShimFile*, void>)InnerMethods(file)->xShmBarrier)(Inner(file));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ShmUnmap(ShimFile* file, int deleteFlag) =>
        InnerMethods(file)->iVersion >= 2
            ? ((delegate* unmanaged[Cdecl]<ShimFile*, int, int>)InnerMethods(file)->xShmUnmap)(Inner(file), deleteFlag)
            : SqliteOk;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Fetch(ShimFile* file, long offset, int amount, void** page)
    {
        var flushed = Flush(file);
        if (flushed != SqliteOk || InnerMethods(file)->iVersion < 3)
        {
            // No mapping: SQLite reads the page with xRead instead.
            *page = null;
            return flushed;
        }

        return ((delegate* unmanaged[Cdecl]<ShimFile*, long, int, void**, int>)InnerMethods(file)->xFetch)(Inner(file), offset, amount, page);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Unfetch(ShimFile* file, long offset, void* page) =>
        InnerMethods(file)->iVersion >= 3
            ? ((delegate* unmanaged[Cdecl]<ShimFile*, long, void*, int>)InnerMethods(file)->xUnfetch)(Inner(file), offset, page)
            : SqliteOk;

    /// <summary>Appends a write to what is held (it starts at the held end, or nothing is held).</summary>
    private static void Hold(ShimFile* file, void* data, int amount, long offset)
    {
        if (file->HeldLength == 0)
        {
            file->HeldStart = offset;
        }

        var needed = file->HeldLength + amount;
        if (needed > file->HeldCapacity)
        {
            var capacity = Math.Min(MaxHeldBytes, Math.Max(needed, Math.Max(16 * 1024, file->HeldCapacity * 2)));
            file->Held = (byte*)NativeMemory.Realloc(file->Held, (nuint)capacity);
            file->HeldCapacity = capacity;
        }

        Buffer.MemoryCopy(data, file->Held + file->HeldLength, file->HeldCapacity - file->HeldLength, amount);
        file->HeldLength = needed;
    }

    /// <summary>Writes what is held, in one call of the platform's xWrite (which retries short writes itself).</summary>
    private static int Flush(ShimFile* file)
    {
        if (file->HeldLength == 0)
        {
            return SqliteOk;
        }

        var rc = InnerWrite(file, file->Held, file->HeldLength, file->HeldStart);
        file->HeldLength = 0;
        return rc;
    }

    private static int InnerWrite(ShimFile* file, void* data, int amount, long offset) =>
        ((delegate* unmanaged[Cdecl]<ShimFile*, void*, int, long, int>)InnerMethods(file)->xWrite)(Inner(file), data, amount, offset);

    /// <summary>The platform's file, right after ours in the space SQLite allocated (szOsFile).</summary>
    private static ShimFile* Inner(ShimFile* file) => (ShimFile*)((byte*)file + sizeof(ShimFile));

    private static IoMethods* InnerMethods(ShimFile* file) => Inner(file)->Methods;

    /// <summary>sqlite3_file (its first field, the methods) followed by this VFS's state for a WAL file.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ShimFile
    {
        public IoMethods* Methods;
        public byte* Held;
        public long HeldStart;
        public int HeldLength;
        public int HeldCapacity;

        /// <summary>Where the page of the last frame header written goes (-1 when none is expected).</summary>
        public long PageAfterHeaderAt;
        public bool PageAfterHeaderEndsCommit;
    }

    /// <summary>sqlite3_vfs, version 3.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Vfs
    {
        public int iVersion;
        public int szOsFile;
        public int mxPathname;
        public Vfs* pNext;
        public byte* zName;
        public void* pAppData;
        public nint xOpen;
        public nint xDelete;
        public nint xAccess;
        public nint xFullPathname;
        public nint xDlOpen;
        public nint xDlError;
        public nint xDlSym;
        public nint xDlClose;
        public nint xRandomness;
        public nint xSleep;
        public nint xCurrentTime;
        public nint xGetLastError;
        public nint xCurrentTimeInt64;
        public nint xSetSystemCall;
        public nint xGetSystemCall;
        public nint xNextSystemCall;
    }

    /// <summary>sqlite3_io_methods, version 3.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct IoMethods
    {
        public int iVersion;
        public nint xClose;
        public nint xRead;
        public nint xWrite;
        public nint xTruncate;
        public nint xSync;
        public nint xFileSize;
        public nint xLock;
        public nint xUnlock;
        public nint xCheckReservedLock;
        public nint xFileControl;
        public nint xSectorSize;
        public nint xDeviceCharacteristics;
        public nint xShmMap;
        public nint xShmLock;
        public nint xShmBarrier;
        public nint xShmUnmap;
        public nint xFetch;
        public nint xUnfetch;
    }
}
