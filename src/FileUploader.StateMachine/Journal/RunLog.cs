using Microsoft.Win32.SafeHandles;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// The files beside the journal's database that hold executions which started and ended in one batch until they are
/// moved into its runs table (see <see cref="SqliteExecutionJournal"/>): two files used in turn, so the one whose
/// records have all been moved can be emptied while appends go on in the other, with no append ever waiting for it.
/// </summary>
/// <remarks>
/// Everything here but <see cref="Replay"/> and <see cref="DeleteFiles"/> is called under <see cref="Gate"/>, except
/// <see cref="TruncateRetired"/>, which only touches a file no append writes to.
/// </remarks>
internal sealed class RunLog : IDisposable
{
    /// <summary>The two files: the journal's path with these appended.</summary>
    internal static readonly string[] Suffixes = ["-runlog", "-runlog2"];

    /// <summary>
    /// A file this long is retired at the next move and emptied once its records are durable in SQLite. Small enough
    /// that its pages are usually emptied before the kernel writes them back (a log record then costs no disk write at
    /// all), large enough that the WAL fsync each retirement needs is rare.
    /// </summary>
    internal const long DefaultRotateAfterBytes = 16 << 20;

    private readonly SafeFileHandle[] _files = new SafeFileHandle[2];
    private readonly long[] _lengths = new long[2];
    private readonly long _rotateAfterBytes;
    private int _active;

    /// <summary>The file no longer appended to, whose records are moved (or being moved): -1 when none.</summary>
    private int _retired = -1;

    /// <summary>The greatest run id in the retired file.</summary>
    private long _retiredThrough;

    private RunLogBuffer _pending = new();
    private RunLogBuffer? _spare = new();

    /// <summary>Opens both files empty: whatever they held was replayed into the database first (<see cref="Replay"/>).</summary>
    public RunLog(string databasePath, long rotateAfterBytes)
    {
        _rotateAfterBytes = rotateAfterBytes;
        try
        {
            for (var i = 0; i < _files.Length; i++)
            {
                // Readable by others (a copy of the journal's files is a snapshot of what a kill would leave).
                _files[i] = File.OpenHandle(databasePath + Suffixes[i], FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
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

    /// <summary>Records appended and not yet moved, in run id order.</summary>
    public RunLogBuffer Pending => _pending;

    /// <summary>Bytes written to the file appends go to.</summary>
    public long ActiveLength => _lengths[_active];

    /// <summary>
    /// Writes the pending records from <paramref name="start"/> on (those just appended) to the end of the active
    /// file in one call. On failure the file is cut back to where they started, so no part of them is replayed later.
    /// </summary>
    public void WriteFrom(int start)
    {
        var file = _files[_active];
        var bytes = _pending.Bytes.AsSpan(start, _pending.Length - start);
        try
        {
            RandomAccess.Write(file, bytes, _lengths[_active]);
        }
        catch
        {
            try
            {
                RandomAccess.SetLength(file, _lengths[_active]);
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
    /// file is retired: appends go to the other (empty) file from now on, so the retired one holds only taken records.
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
        taken.Clear();
        _spare = taken;
    }

    /// <summary>The move of <paramref name="taken"/> failed: its records are pending again, before any appended since.</summary>
    public void NotMoved(RunLogBuffer taken)
    {
        var later = _pending;
        taken.AppendFrom(later);
        _pending = taken;
        later.Clear();
        _spare = later;
    }

    /// <summary>The retired file when every record in it is committed in the database; null otherwise.</summary>
    public SafeFileHandle? RetiredAndMoved() =>
        _retired >= 0 && _pending.FirstRunId > _retiredThrough ? _files[_retired] : null;

    /// <summary>
    /// Empties the retired file: call only once its records are durable in the database (the WAL synced). Not under
    /// <see cref="Gate"/>: no append writes to it, and it is not appended to again before <see cref="Retired"/>.
    /// </summary>
    public static void TruncateRetired(SafeFileHandle retired) => RandomAccess.SetLength(retired, 0);

    /// <summary>The retired file is empty again and may become the active one at a later rotation.</summary>
    public void Retired()
    {
        _lengths[_retired] = 0;
        _retired = -1;
    }

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file?.Dispose();
        }
    }

    /// <summary>
    /// Runs <paramref name="insert"/> (bound by <see cref="RunLogRecord.Bind"/>) for every whole record of both files,
    /// in file order, stopping in each file at the first record that is cut short or fails its checksum (a write the
    /// process did not finish, never acknowledged). Returns how many records were read.
    /// </summary>
    public static int Replay(string databasePath, RawStatement insert)
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
            var offset = 0;
            while (RunLogRecord.TryRead(log, ref offset, out var payload))
            {
                RunLogRecord.Bind(payload, insert);
                insert.Execute();
                records++;
            }
        }

        return records;
    }

    public static void DeleteFiles(string databasePath)
    {
        foreach (var suffix in Suffixes)
        {
            File.Delete(databasePath + suffix);
        }
    }
}

/// <summary>How the journal runs its run log; the defaults are what <see cref="SqliteExecutionJournal.Open(string, JournalDurability)"/> uses.</summary>
/// <param name="Enabled">False: every batch is committed to SQLite, as with Full durability (tests of SQLite's own files).</param>
/// <param name="MoveInBackground">False: no mover thread; records move only before a read, on Dispose, or when too many are pending (tests).</param>
/// <param name="RotateAfterBytes">Length at which a log file is retired (tests make it small to see files emptied).</param>
internal sealed record RunLogOptions(bool Enabled = true, bool MoveInBackground = true, long RotateAfterBytes = RunLog.DefaultRotateAfterBytes);
