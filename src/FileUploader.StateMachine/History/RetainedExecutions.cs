using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;
using System.Text;
using FileUploader.StateMachine.Journal;

namespace FileUploader.StateMachine.History;

/// <summary>
/// Finished executions kept in memory as bytes, not objects: each one's record and history packed into one entry of a
/// log of large byte arrays, found through an open-addressing table of ARN hashes and entry positions. The engine keeps
/// tens of thousands of them; as objects (a run, its record, its strings, a dictionary node) each one was copied by the
/// collector from generation to generation and traced on every full collection, about a third of a 5-state run's CPU.
/// Byte arrays and a table of numbers hold no references, so the collector never looks inside them.
/// Entries are appended at the tail and let go oldest first (<see cref="MoveOldest"/>), so the log's memory is reused
/// a whole chunk at a time, and letting one go touches neither its entry nor the table (both cold by then: a cache miss
/// each): the table tells a live position from a let-go one by comparing it with the oldest live position.
/// New entries reach the table a batch at a time (<see cref="IndexPending"/>): each one's slot is a cache miss at a random
/// place in megabytes, and a batch lets the processor wait for many of them at once instead of for one per Add.
/// Not thread-safe: the engine calls it under its lock.
/// </summary>
internal sealed class RetainedExecutions
{
    // Chunks start small (an engine that keeps a few executions needs little) and double up to the full size, which
    // holds several of the largest common histories (a 1,000-item Map's is about 500 KB): a history bigger than the
    // chunk being filled gets an array of its own, a large-object allocation per execution that the collector pays for.
    private const int FirstChunkSize = 64 * 1024;
    private const int ChunkSize = 4 * 1024 * 1024;

    // Freed chunks kept for reuse: writing into fresh memory costs a page fault per page.
    private const int MaxFreeChunks = 8;

    // Entry layout (little-endian): the header, then the strings (a length in bytes, -1 for null, then UTF-8),
    // then the history (a length in bytes, then the history log's UTF-8 events, comma separated).
    private const int LengthAt = 0;
    private const int HashAt = 4;
    private const int MachineAt = 8;
    private const int EventCountAt = 12;
    private const int StartAt = 16;
    private const int StopAt = 27;
    private const int TimeoutAt = 38;
    private const int HeaderSize = 49;

    private const int MinSlots = 64;
    private const long EmptySlot = -1;

    // Entries added but not yet in the table; lookups also search them (a few dozen numbers, in cache).
    private const int PendingBatch = 32;

    private readonly Func<string, int> _hash;
    private readonly List<Chunk> _chunks = [];
    private readonly Stack<byte[]> _freeChunks = new();
    private int _nextChunkSize = FirstChunkSize;

    // The index, linear probing: each slot an ARN hash and its entry's position, side by side (one cache miss per
    // slot); EmptySlot ends a probe, a position older than the head is a let-go entry whose slot a new one may take.
    // Numbers only: the collector does not trace it.
    private Slot[] _slots = NewSlots(MinSlots);
    private int _usedSlots;
    private readonly Slot[] _pending = new Slot[PendingBatch];
    private int _pendingCount;

    // Length and event count of each entry, oldest first: letting one go reads them here, not from its cold entry.
    private readonly Queue<(int Length, int Events)> _order = new();

    // What every execution of one state machine version shares (ARN, definition, role), stored once.
    private readonly List<(string StateMachineArn, string Definition, string RoleArn)> _machines = [];
    private readonly Dictionary<(string, string, string), int> _machineIndex = [];
    private int _lastMachine = -1;

    // The sequence number of _chunks[0] and where its oldest live entry starts. A position is (sequence << 32) | offset,
    // so positions grow with age and an entry is live exactly when its position is at least the head's.
    private int _firstSequence;
    private int _headOffset;

    /// <param name="hash">The ARN hash; tests give a colliding one.</param>
    public RetainedExecutions(Func<string, int>? hash = null) => _hash = hash ?? HashOfName;

    public int Count { get; private set; }

    /// <summary>The history events of all entries.</summary>
    public long Events { get; private set; }

    private long HeadPosition => ((long)_firstSequence << 32) | (uint)_headOffset;

    /// <summary>
    /// Keeps a finished execution: its record and its history as <see cref="HistoryLog"/> holds it (empty for a record
    /// only). The ARN must not be kept already.
    /// </summary>
    public void Add(ExecutionRecord record, ReadOnlySpan<byte> history, int eventCount)
    {
        var size = HeaderSize
            + StringSize(record.Arn) + StringSize(record.Name) + StringSize(record.Status) + StringSize(record.Input)
            + StringSize(record.Output) + StringSize(record.Error) + StringSize(record.Cause)
            + sizeof(int) + history.Length;
        var position = Append(size);
        var entry = EntryAt(position);
        var hash = _hash(record.Arn);
        BinaryPrimitives.WriteInt32LittleEndian(entry[HashAt..], hash);
        BinaryPrimitives.WriteInt32LittleEndian(entry[MachineAt..], MachineOf((record.StateMachineArn, record.Definition, record.RoleArn)));
        BinaryPrimitives.WriteInt32LittleEndian(entry[EventCountAt..], eventCount);
        WriteDate(entry[StartAt..], record.StartDate);
        WriteDate(entry[StopAt..], record.StopDate);
        WriteDate(entry[TimeoutAt..], record.TimeoutAt);
        var at = HeaderSize;
        at = WriteString(entry, at, record.Arn);
        at = WriteString(entry, at, record.Name);
        at = WriteString(entry, at, record.Status);
        at = WriteString(entry, at, record.Input);
        at = WriteString(entry, at, record.Output);
        at = WriteString(entry, at, record.Error);
        at = WriteString(entry, at, record.Cause);
        BinaryPrimitives.WriteInt32LittleEndian(entry[at..], history.Length);
        history.CopyTo(entry[(at + sizeof(int))..]);
        _pending[_pendingCount++] = new Slot(hash, position);
        if (_pendingCount == PendingBatch)
        {
            IndexPending();
        }

        _order.Enqueue((size, eventCount));
        Count++;
        Events += eventCount;
        PrefetchTail(size);
    }

    /// <summary>
    /// Asks for the memory the next entry will be written to (right after this one, about as long): it was last written
    /// a whole ring ago, so copying a short history into it waited for every cache line to come from main memory. Asked
    /// for now, the lines arrive while the next execution runs. At most 4 KB (a 5-state run's entry): each cold line
    /// asked for holds one of the processor's few fill buffers, so a long run of them stalls as the copy did (measured:
    /// no gain on a Parallel's 7 KB entries at 8 KB), and a long copy keeps the processor's own prefetching busy anyway.
    /// </summary>
    private unsafe void PrefetchTail(int length)
    {
        if (!Sse.IsSupported || _chunks.Count == 0)
        {
            return;
        }

        const int Line = 64;
        const int MaxPrefetch = 4 * 1024;
        var tail = _chunks[^1];
        var end = Math.Min(tail.Bytes.Length, tail.Used + Math.Min(length, MaxPrefetch));
        fixed (byte* bytes = tail.Bytes)
        {
            for (var at = tail.Used; at < end; at += Line)
            {
                Sse.Prefetch1(bytes + at);
            }
        }
    }

    public bool Contains(string arn) => TryFind(arn, out _);

    public bool TryGet(string arn, out ExecutionRecord record)
    {
        if (TryFind(arn, out var position))
        {
            record = ReadRecord(EntryAt(position));
            return true;
        }

        record = null!;
        return false;
    }

    /// <summary>
    /// The kept history of <paramref name="arn"/> packed as a JSON array (a copy: unpack it with
    /// <see cref="HistoryEventPacking.Unpack(ReadOnlyMemory{byte}, List{HistoryEvent})"/> outside the caller's lock);
    /// null when it is not kept.
    /// </summary>
    public byte[]? PackHistory(string arn)
    {
        if (!TryFind(arn, out var position))
        {
            return null;
        }

        var history = HistoryOf(EntryAt(position));
        var packed = new byte[history.Length + 2];
        packed[0] = (byte)'[';
        history.CopyTo(packed.AsSpan(1));
        packed[^1] = (byte)']';
        return packed;
    }

    /// <summary>Adds the records of <paramref name="stateMachineArn"/>'s kept executions to <paramref name="into"/>, oldest first.</summary>
    public void AddRecordsTo(List<ExecutionRecord> into, string stateMachineArn)
    {
        for (var i = 0; i < _chunks.Count; i++)
        {
            var chunk = _chunks[i];
            for (var at = i == 0 ? _headOffset : 0; at < chunk.Used;)
            {
                var entry = chunk.Bytes.AsSpan(at);
                if (_machines[BinaryPrimitives.ReadInt32LittleEndian(entry[MachineAt..])].StateMachineArn == stateMachineArn)
                {
                    into.Add(ReadRecord(entry));
                }

                at += BinaryPrimitives.ReadInt32LittleEndian(entry[LengthAt..]);
            }
        }
    }

    /// <summary>Lets the oldest entry go. False when empty.</summary>
    public bool MoveOldest()
    {
        if (Count == 0)
        {
            return false;
        }

        var (length, events) = _order.Dequeue();

        // Its slot in the index is now older than the head: free for a new entry, skipped by lookups.
        Count--;
        Events -= events;
        _headOffset += length;
        while (_chunks.Count > 1 && _headOffset >= _chunks[0].Used)
        {
            ReleaseChunk(_chunks[0].Bytes);
            _chunks.RemoveAt(0);
            _firstSequence++;
            _headOffset = 0;
        }

        if (Count == 0)
        {
            // The last chunk is empty: start it again, under a new sequence number so no old position looks live.
            var last = _chunks[0];
            last.Used = 0;
            _firstSequence++;
            _headOffset = 0;
            _pendingCount = 0;
        }

        return true;
    }

    private bool TryFind(string arn, out long position)
    {
        var hash = _hash(arn);
        var head = HeadPosition;
        for (var i = 0; i < _pendingCount; i++)
        {
            position = _pending[i].Position;
            if (position >= head && _pending[i].Hash == hash && SameText(ReadUtf8(EntryAt(position), HeaderSize, out _), arn))
            {
                return true;
            }
        }

        var mask = _slots.Length - 1;
        for (var slot = hash & mask; ; slot = (slot + 1) & mask)
        {
            position = _slots[slot].Position;
            if (position == EmptySlot)
            {
                return false;
            }

            if (position >= head && _slots[slot].Hash == hash && SameText(ReadUtf8(EntryAt(position), HeaderSize, out _), arn))
            {
                return true;
            }
        }
    }

    /// <summary>Moves the pending entries into the table.</summary>
    private void IndexPending()
    {
        // One loop of independent slots: the processor runs ahead into the next ones while the first misses are served.
        // Entries let go while they waited take no slot.
        var head = HeadPosition;
        for (var i = 0; i < _pendingCount; i++)
        {
            if (_pending[i].Position >= head)
            {
                Index(_pending[i].Hash, _pending[i].Position);
            }
        }

        _pendingCount = 0;
    }

    /// <summary>Puts a new entry in the index: in the first empty slot of its probe, or one whose entry was let go.</summary>
    private void Index(int hash, long position)
    {
        var head = HeadPosition;
        var mask = _slots.Length - 1;
        var slot = hash & mask;
        while (_slots[slot].Position != EmptySlot && _slots[slot].Position >= head)
        {
            slot = (slot + 1) & mask;
        }

        if (_slots[slot].Position == EmptySlot)
        {
            _usedSlots++;
        }

        _slots[slot] = new Slot(hash, position);
        if (_usedSlots > _slots.Length / 4 * 3)
        {
            Reindex();
        }
    }

    /// <summary>
    /// Rebuilds the index with only live entries, at most a quarter full: a lookup of an ARN not kept stops only at an
    /// empty slot, and let-go slots only ever fill up.
    /// </summary>
    private void Reindex()
    {
        var old = _slots;
        var size = MinSlots;
        while (size < Count * 4)
        {
            size *= 2;
        }

        _slots = NewSlots(size);
        _usedSlots = 0;
        var head = HeadPosition;
        foreach (var kept in old)
        {
            if (kept.Position != EmptySlot && kept.Position >= head)
            {
                var slot = kept.Hash & (size - 1);
                while (_slots[slot].Position != EmptySlot)
                {
                    slot = (slot + 1) & (size - 1);
                }

                _slots[slot] = kept;
                _usedSlots++;
            }
        }
    }

    /// <summary>
    /// The hash of the execution's name, the ARN's last segment: Marvin (randomised, so chosen names cannot pile up in
    /// one probe) costs by the character, and the ARN's prefix, the same for every execution of a machine, adds nothing.
    /// </summary>
    private static int HashOfName(string arn) => string.GetHashCode(arn.AsSpan(arn.LastIndexOf(':') + 1), StringComparison.Ordinal);

    private static Slot[] NewSlots(int size)
    {
        var slots = new Slot[size];
        slots.AsSpan().Fill(new Slot(0, EmptySlot));
        return slots;
    }

    private readonly record struct Slot(int Hash, long Position);

    /// <summary>Reserves an entry of <paramref name="size"/> bytes (its length written) and answers its position.</summary>
    private long Append(int size)
    {
        var tail = _chunks.Count == 0 ? null : _chunks[^1];
        if (tail is null || tail.Used + size > tail.Bytes.Length)
        {
            tail = new Chunk(TakeChunk(size));
            _chunks.Add(tail);
        }

        var sequence = _firstSequence + _chunks.Count - 1;
        var offset = tail.Used;
        tail.Used += size;
        BinaryPrimitives.WriteInt32LittleEndian(tail.Bytes.AsSpan(offset), size);
        return ((long)sequence << 32) | (uint)offset;
    }

    private Span<byte> EntryAt(long position)
    {
        var chunk = _chunks[(int)(position >> 32) - _firstSequence];
        var offset = (int)(uint)position;
        return chunk.Bytes.AsSpan(offset, BinaryPrimitives.ReadInt32LittleEndian(chunk.Bytes.AsSpan(offset)));
    }

    private byte[] TakeChunk(int size)
    {
        var chunkSize = _nextChunkSize;
        _nextChunkSize = Math.Min(ChunkSize, chunkSize * 2);
        if (size > chunkSize)
        {
            // One very large history: a chunk of its own, let go with it.
            return GC.AllocateUninitializedArray<byte>(size);
        }

        return chunkSize == ChunkSize && _freeChunks.TryPop(out var free) ? free : GC.AllocateUninitializedArray<byte>(chunkSize);
    }

    private void ReleaseChunk(byte[] bytes)
    {
        if (bytes.Length == ChunkSize && _freeChunks.Count < MaxFreeChunks)
        {
            _freeChunks.Push(bytes);
        }
    }

    private int MachineOf((string StateMachineArn, string Definition, string RoleArn) key)
    {
        if (_lastMachine >= 0)
        {
            // Executions of one machine share these strings: no need to hash the definition each time.
            var last = _machines[_lastMachine];
            if (ReferenceEquals(last.StateMachineArn, key.StateMachineArn) && ReferenceEquals(last.Definition, key.Definition) && ReferenceEquals(last.RoleArn, key.RoleArn))
            {
                return _lastMachine;
            }
        }

        if (!_machineIndex.TryGetValue(key, out var index))
        {
            index = _machines.Count;
            _machines.Add(key);
            _machineIndex[key] = index;
        }

        _lastMachine = index;
        return index;
    }

    private ExecutionRecord ReadRecord(ReadOnlySpan<byte> entry)
    {
        var machine = _machines[BinaryPrimitives.ReadInt32LittleEndian(entry[MachineAt..])];
        var at = HeaderSize;
        var arn = ReadString(entry, ref at)!;
        var name = ReadString(entry, ref at)!;
        var status = ReadString(entry, ref at)!;
        var input = ReadString(entry, ref at)!;
        var output = ReadString(entry, ref at);
        var error = ReadString(entry, ref at);
        var cause = ReadString(entry, ref at);
        return new ExecutionRecord(
            arn, machine.StateMachineArn, name, status, ReadDate(entry[StartAt..])!.Value, ReadDate(entry[StopAt..]), input, output, error, cause,
            machine.Definition, machine.RoleArn, ReadDate(entry[TimeoutAt..]));
    }

    private static ReadOnlySpan<byte> HistoryOf(ReadOnlySpan<byte> entry)
    {
        var at = HistoryLengthAt(entry);
        return entry.Slice(at + sizeof(int), BinaryPrimitives.ReadInt32LittleEndian(entry[at..]));
    }

    /// <summary>Where the history's length is, after the record's seven strings.</summary>
    private static int HistoryLengthAt(ReadOnlySpan<byte> entry)
    {
        var at = HeaderSize;
        for (var i = 0; i < 7; i++)
        {
            ReadUtf8(entry, at, out at);
        }

        return at;
    }

    private static int StringSize(string? value) => sizeof(int) + (value is null ? 0 : Encoding.UTF8.GetByteCount(value));

    private static int WriteString(Span<byte> entry, int at, string? value)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(entry[at..], -1);
            return at + sizeof(int);
        }

        var length = Encoding.UTF8.GetBytes(value, entry[(at + sizeof(int))..]);
        BinaryPrimitives.WriteInt32LittleEndian(entry[at..], length);
        return at + sizeof(int) + length;
    }

    /// <summary>True when <paramref name="utf8"/> is <paramref name="text"/> encoded; ARNs are ASCII, compared without decoding.</summary>
    private static bool SameText(ReadOnlySpan<byte> utf8, string text) =>
        Ascii.Equals(utf8, text) || (!Ascii.IsValid(utf8) && Encoding.UTF8.GetString(utf8) == text);

    /// <summary>The UTF-8 of the string at <paramref name="at"/> (empty for null), and where the next field starts.</summary>
    private static ReadOnlySpan<byte> ReadUtf8(ReadOnlySpan<byte> entry, int at, out int next)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(entry[at..]);
        at += sizeof(int);
        if (length < 0)
        {
            next = at;
            return [];
        }

        next = at + length;
        return entry.Slice(at, length);
    }

    private static string? ReadString(ReadOnlySpan<byte> entry, ref int at)
    {
        var isNull = BinaryPrimitives.ReadInt32LittleEndian(entry[at..]) < 0;
        var utf8 = ReadUtf8(entry, at, out at);
        return isNull ? null : Encoding.UTF8.GetString(utf8);
    }

    // A date as its clock ticks (8 bytes) and offset in minutes (2), after a presence byte: 11 bytes.
    private static void WriteDate(Span<byte> field, DateTimeOffset? date)
    {
        field[0] = date.HasValue ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(field[1..], date?.Ticks ?? 0);
        BinaryPrimitives.WriteInt16LittleEndian(field[9..], (short)(date?.TotalOffsetMinutes ?? 0));
    }

    private static DateTimeOffset? ReadDate(ReadOnlySpan<byte> field) =>
        field[0] == 0
            ? null
            : new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(field[1..]), TimeSpan.FromMinutes(BinaryPrimitives.ReadInt16LittleEndian(field[9..])));

    private sealed class Chunk(byte[] bytes)
    {
        public byte[] Bytes { get; } = bytes;

        public int Used { get; set; }
    }
}
