using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// The files beside the journal's database that hold executions which started and ended in one batch until they are
/// moved into its runs table (see <see cref="SqliteExecutionJournal"/>): two files used in turn, so the one whose
/// records have all been moved can be reused while appends go on in the other, with no append ever waiting for it.
/// </summary>
/// <remarks>
/// <para>
/// An append copies its records into the file's pages through a shared memory mapping instead of a write call. The
/// pages are the kernel's page cache of the file, so a record copied in survives the process being killed at any
/// point, exactly like one handed to write(); only an OS crash can lose it, as it can lose an unsynced write. On this
/// project's machines a write call costs several microseconds, most of a one-batch execution's journaling, and a
/// copy into pages already mapped costs a fraction of one.
/// </para>
/// <para>
/// So the pages stay mapped, a file is never truncated or grown while in use: each has a fixed length (space reserved
/// up front, so writing a page never needs the disk to find room) and is reused rather than emptied. A file starts
/// with a header holding its generation, a number given anew each time the file is reused, and every record carries
/// the generation it was written in (see <see cref="RunLogRecord"/>): after a reuse the previous records are still in
/// the file, whole, and reading stops at the first record not of the header's generation. Should appends outrun the
/// mover past a file's mapped length, the rest is written with write calls after it (read back the same way).
/// </para>
/// <para>
/// Everything here but <see cref="Replay"/>, <see cref="CountReadable"/> and <see cref="DeleteFiles"/> is called under
/// <see cref="Gate"/>.
/// </para>
/// </remarks>
internal sealed unsafe class RunLog : IDisposable
{
    /// <summary>The two files: the journal's path with these appended.</summary>
    internal static readonly string[] Suffixes = ["-runlog", "-runlog2"];

    /// <summary>
    /// A file this long is retired at the next move, and reused once its records are durable in SQLite: large enough
    /// that the WAL fsync each retirement needs is rare. A file is mapped (and its space reserved) at twice this, room
    /// for the appends made between the moment it reaches this length and the mover's next turn.
    /// </summary>
    internal const long DefaultRotateAfterBytes = 16 << 20;

    /// <summary>"FURL", the format, the generation, and room to spare.</summary>
    internal const int FileHeaderLength = 16;

    private const uint Magic = 0x4C525546;
    private const uint FileFormat = 1;

    private readonly SafeFileHandle[] _files = new SafeFileHandle[2];
    private readonly MemoryMappedFile?[] _maps = new MemoryMappedFile?[2];
    private readonly MemoryMappedViewAccessor?[] _views = new MemoryMappedViewAccessor?[2];
    private readonly byte*[] _pages = new byte*[2];
    private readonly uint[] _generations = new uint[2];
    private readonly long[] _lengths = new long[2];
    private readonly long _rotateAfterBytes;
    private readonly long _mappedLength;
    private uint _nextGeneration = 1;
    private int _active;

    /// <summary>The file no longer appended to, whose records are moved (or being moved): -1 when none.</summary>
    private int _retired = -1;

    /// <summary>The greatest run id in the retired file.</summary>
    private long _retiredThrough;

    private RunLogBuffer _pending = new();
    private RunLogBuffer? _spare = new();

    /// <summary>Creates both files anew: whatever they held was replayed into the database first (<see cref="Replay"/>).</summary>
    public RunLog(string databasePath, long rotateAfterBytes)
    {
        _rotateAfterBytes = rotateAfterBytes;
        _mappedLength = Math.Max(2 * rotateAfterBytes, 64 * 1024);
        try
        {
            for (var i = 0; i < _files.Length; i++)
            {
                // Readable by others (a copy of the journal's files is a snapshot of what a kill would leave). The
                // space is reserved now: a page of a mapping the disk has no room for would kill the process when written.
                _files[i] = File.OpenHandle(databasePath + Suffixes[i], FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, FileOptions.None, _mappedLength);
                _maps[i] = MemoryMappedFile.CreateFromFile(_files[i], null, _mappedLength, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
                _views[i] = _maps[i]!.CreateViewAccessor(0, _mappedLength, MemoryMappedFileAccess.ReadWrite);
                byte* pages = null;
                _views[i]!.SafeMemoryMappedViewHandle.AcquirePointer(ref pages);
                _pages[i] = pages + _views[i]!.PointerOffset;
                StartGeneration(i);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Lock Gate { get; } = new();

    /// <summary>Set when the journal is disposed: no append after it.</summary>
    public bool Closed { get; set; }

    /// <summary>Records appended and not yet taken for a move, in run id order.</summary>
    public RunLogBuffer Pending => _pending;

    /// <summary>Records taken for the move in progress, not yet committed in the database.</summary>
    public int Moving { get; private set; }

    /// <summary>The generation of the file appends go to: what each record appended now carries.</summary>
    public uint ActiveGeneration => _generations[_active];

    /// <summary>Bytes of the file appends go to that hold its header and records (the rest is unused).</summary>
    public long ActiveLength => _lengths[_active];

    /// <summary>Bytes of file <paramref name="index"/> (0 or 1) that hold its header and records of its generation.</summary>
    internal long LengthOf(int index) => _lengths[index];

    /// <summary>
    /// Writes the pending records from <paramref name="start"/> on (those just appended) after the active file's
    /// records: copied into its mapped pages, or, past the mapping's end, in one write call. A failed write is cut back
    /// off the file, so no part of it is replayed later.
    /// </summary>
    public void WriteFrom(int start)
    {
        var bytes = _pending.Bytes.AsSpan(start, _pending.Length - start);
        var at = _lengths[_active];
        if (at + bytes.Length <= _mappedLength)
        {
            bytes.CopyTo(new Span<byte>(_pages[_active] + at, bytes.Length));
            _lengths[_active] += bytes.Length;
            return;
        }

        var file = _files[_active];
        try
        {
            RandomAccess.Write(file, bytes, at);
        }
        catch
        {
            try
            {
                RandomAccess.SetLength(file, Math.Max(at, _mappedLength));
            }
            catch (IOException)
            {
                // The first failure is the one to report; a record cut short is not replayed anyway (checksum).
            }

            throw;
        }

        _lengths[_active] += bytes.Length;
    }

    /// <summary>
    /// Takes every pending record for a move (null when there is none). With <paramref name="mayRotate"/>, a long active
    /// file is retired: appends go to the other (reused) file from now on, so the retired one holds only taken records.
    /// </summary>
    public RunLogBuffer? Take(bool mayRotate)
    {
        if (_pending.Count == 0)
        {
            return null;
        }

        var taken = _pending;
        _pending = _spare ?? new RunLogBuffer();
        _spare = null;
        Moving = taken.Count;
        if (mayRotate && _retired < 0 && _lengths[_active] >= _rotateAfterBytes)
        {
            _retired = _active;
            _retiredThrough = taken.LastRunId;
            _active = 1 - _active;
        }

        return taken;
    }

    /// <summary>The records of <paramref name="taken"/> are committed in the database.</summary>
    public void Moved(RunLogBuffer taken)
    {
        Moving = 0;
        taken.Clear();
        _spare = taken;
    }

    /// <summary>The move of <paramref name="taken"/> failed: its records are pending again, before any appended since.</summary>
    public void NotMoved(RunLogBuffer taken)
    {
        Moving = 0;
        var later = _pending;
        taken.AppendFrom(later);
        _pending = taken;
        later.Clear();
        _spare = later;
    }

    /// <summary>Whether there is a retired file and every record in it is committed in the database.</summary>
    public bool RetiredAndMoved() => _retired >= 0 && _pending.FirstRunId > _retiredThrough;

    /// <summary>
    /// Starts a new generation in the retired file, which may become the active one at a later rotation: call only
    /// once its records are durable in the database (the WAL synced), since from now on they are not read back.
    /// </summary>
    public void ReuseRetired()
    {
        if (_lengths[_retired] > _mappedLength)
        {
            // Written past the mapping (appends outran the mover): back to the reserved length, so the file stays bounded.
            RandomAccess.SetLength(_files[_retired], _mappedLength);
        }

        StartGeneration(_retired);
        _retired = -1;
    }

    public void Dispose()
    {
        for (var i = 0; i < _files.Length; i++)
        {
            if (_pages[i] != null)
            {
                _views[i]!.SafeMemoryMappedViewHandle.ReleasePointer();
                _pages[i] = null;
            }

            _views[i]?.Dispose();
            _maps[i]?.Dispose();
            _files[i]?.Dispose();
        }
    }

    /// <summary>
    /// Runs <paramref name="insert"/> (bound by <see cref="RunLogRecord.Bind"/>) for every record of both files, in file
    /// order, stopping in each file at the first record that is cut short, fails its checksum (a write the process did
    /// not finish, never acknowledged) or is of an earlier generation (left by the file's previous use). Returns how many
    /// records were read.
    /// </summary>
    public static int Replay(string databasePath, RawStatement? insert)
    {
        var records = 0;
        foreach (var suffix in Suffixes)
        {
            var path = databasePath + suffix;
            if (!File.Exists(path))
            {
                continue;
            }

            var log = File.ReadAllBytes(path);
            if (!TryReadHeader(log, out var generation))
            {
                // Not even a header: the process died creating the file, before any record.
                continue;
            }

            var offset = FileHeaderLength;
            while (RunLogRecord.TryRead(log, ref offset, out var payload, generation))
            {
                if (insert is not null)
                {
                    RunLogRecord.Bind(payload, insert);
                    insert.Execute();
                }

                records++;
            }
        }

        return records;
    }

    /// <summary>How many records a replay of the files at <paramref name="databasePath"/> would read now.</summary>
    internal static int CountReadable(string databasePath) => Replay(databasePath, null);

    public static void DeleteFiles(string databasePath)
    {
        foreach (var suffix in Suffixes)
        {
            File.Delete(databasePath + suffix);
        }
    }

    /// <summary>Writes file <paramref name="index"/>'s header with a new generation: its records so far no longer read.</summary>
    private void StartGeneration(int index)
    {
        var generation = _nextGeneration++;
        var header = new Span<byte>(_pages[index], FileHeaderLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], FileFormat);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], generation);
        _generations[index] = generation;
        _lengths[index] = FileHeaderLength;
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> log, out uint generation)
    {
        generation = 0;
        if (log.Length < FileHeaderLength
            || BinaryPrimitives.ReadUInt32LittleEndian(log) != Magic
            || BinaryPrimitives.ReadUInt32LittleEndian(log[4..]) != FileFormat)
        {
            return false;
        }

        generation = BinaryPrimitives.ReadUInt32LittleEndian(log[8..]);
        return true;
    }
}

/// <summary>How the journal runs its run log; the defaults are what <see cref="SqliteExecutionJournal.Open(string, JournalDurability)"/> uses.</summary>
/// <param name="Enabled">False: every batch is committed to SQLite, as with Full durability (tests of SQLite's own files).</param>
/// <param name="MoveInBackground">False: no mover thread; records move only before a read, on Dispose, or when too many are pending (tests).</param>
/// <param name="RotateAfterBytes">Length at which a log file is retired (tests make it small to see files reused).</param>
internal sealed record RunLogOptions(bool Enabled = true, bool MoveInBackground = true, long RotateAfterBytes = RunLog.DefaultRotateAfterBytes);
