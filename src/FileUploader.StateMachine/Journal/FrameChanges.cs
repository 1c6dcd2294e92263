using System.Buffers;
using System.Text;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// The frame changes of one commit (frames upserted, frames removed, or all removed) as one compact blob, stored in the
/// commit's own row next to its events. A commit then appends one row instead of rewriting each frame's row in a table of
/// its own (a leaf, often an overflow page and a freelist page per commit); a RUNNING execution's frames are rebuilt by
/// replaying its blobs in commit order (<see cref="Apply"/>).
/// </summary>
/// <remarks>
/// Format: a version byte, a flags byte (bit 0: every frame removed, nothing else follows), the count and ids of the
/// removed frames, then the count and fields of the upserted frames. Integers are LEB128 varints (zigzag where they may
/// be negative), strings a varint of length + 1 (0 for null) and their UTF-8 bytes.
/// </remarks>
internal sealed class FrameChanges
{
    private const byte Version = 1;
    private const byte AllRemoved = 1;
    private const int InitialCapacity = 1024;
    private ArrayBufferWriter<byte> _buffer = new(InitialCapacity);

    /// <summary>Not thread-safe: the journal calls it under its lock.</summary>
    public byte[] Encode(IReadOnlyList<FrameRecord> upserted, IReadOnlyList<string> removed, bool allRemoved)
    {
        _buffer.ResetWrittenCount();
        WriteByte(Version);
        WriteByte(allRemoved ? AllRemoved : (byte)0);
        if (!allRemoved)
        {
            // The order the SQLite tables applied them in: removals first, then upserts.
            WriteVarint((ulong)removed.Count);
            foreach (var id in removed)
            {
                WriteString(id);
            }

            WriteVarint((ulong)upserted.Count);
            foreach (var f in upserted)
            {
                WriteString(f.Id);
                WriteString(f.ParentId);
                WriteSigned(f.Index);
                WriteString(f.StateName);
                WriteSigned(f.Phase);
                WriteSigned(f.Step);
                WriteString(f.Input);
                WriteString(f.Variables);
                WriteString(f.RetryCounts);
                WriteDate(f.DueAt);
                WriteSigned(f.EnteredAt.UtcTicks);
                WriteSigned(f.LastEventId);
                WriteString(f.Status);
                WriteString(f.Output);
                WriteString(f.Error);
                WriteString(f.Cause);
            }
        }

        var encoded = _buffer.WrittenSpan.ToArray();
        if (_buffer.Capacity > 1 << 20)
        {
            // Do not keep a huge buffer alive after one big commit (a large Map's iterations).
            _buffer = new ArrayBufferWriter<byte>(InitialCapacity);
        }

        return encoded;
    }

    /// <summary>Applies one commit's changes to <paramref name="frames"/> (the frames after every earlier commit).</summary>
    public static void Apply(ReadOnlySpan<byte> encoded, Dictionary<string, FrameRecord> frames)
    {
        var reader = new Reader(encoded);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new FormatException($"Journaled frame changes have format {version}; this version reads format {Version}.");
        }

        if ((reader.ReadByte() & AllRemoved) != 0)
        {
            frames.Clear();
            return;
        }

        for (var removed = reader.ReadCount(); removed > 0; removed--)
        {
            frames.Remove(reader.ReadString()!);
        }

        for (var upserted = reader.ReadCount(); upserted > 0; upserted--)
        {
            var frame = new FrameRecord(
                Id: reader.ReadString()!,
                ParentId: reader.ReadString(),
                Index: checked((int)reader.ReadSigned()),
                StateName: reader.ReadString()!,
                Phase: checked((int)reader.ReadSigned()),
                Step: checked((int)reader.ReadSigned()),
                Input: reader.ReadString()!,
                Variables: reader.ReadString(),
                RetryCounts: reader.ReadString(),
                DueAt: reader.ReadDate(),
                EnteredAt: new DateTimeOffset(reader.ReadSigned(), TimeSpan.Zero),
                LastEventId: reader.ReadSigned(),
                Status: reader.ReadString()!,
                Output: reader.ReadString(),
                Error: reader.ReadString(),
                Cause: reader.ReadString());
            frames[frame.Id] = frame;
        }

        if (!reader.AtEnd)
        {
            throw new FormatException("Journaled frame changes have bytes after their last frame.");
        }
    }

    private void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    private void WriteVarint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    private void WriteSigned(long value) => WriteVarint((ulong)((value << 1) ^ (value >> 63)));

    private void WriteDate(DateTimeOffset? value)
    {
        if (value is { } date)
        {
            WriteByte(1);
            WriteSigned(date.UtcTicks);
        }
        else
        {
            WriteByte(0);
        }
    }

    private void WriteString(string? value)
    {
        if (value is null)
        {
            WriteVarint(0);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)length + 1);
        var written = Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(written);
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool AtEnd => _position == _data.Length;

        public byte ReadByte()
        {
            if (_position >= _data.Length)
            {
                throw new FormatException("Journaled frame changes end too early.");
            }

            return _data[_position++];
        }

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = ReadByte();
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new FormatException("Journaled frame changes hold a malformed number.");
        }

        public int ReadCount()
        {
            var count = ReadVarint();
            return count <= (ulong)(_data.Length - _position) ? (int)count : throw new FormatException("Journaled frame changes hold a count beyond their end.");
        }

        public long ReadSigned()
        {
            var raw = ReadVarint();
            return (long)(raw >> 1) ^ -(long)(raw & 1);
        }

        public DateTimeOffset? ReadDate() => ReadByte() == 0 ? null : new DateTimeOffset(ReadSigned(), TimeSpan.Zero);

        public string? ReadString()
        {
            var lengthPlusOne = ReadVarint();
            if (lengthPlusOne == 0)
            {
                return null;
            }

            var length = lengthPlusOne - 1;
            if (length > (ulong)(_data.Length - _position))
            {
                throw new FormatException("Journaled frame changes hold a string beyond their end.");
            }

            var text = Encoding.UTF8.GetString(_data.Slice(_position, (int)length));
            _position += (int)length;
            return text;
        }
    }
}
