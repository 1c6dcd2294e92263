using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// One record of the run log (<see cref="RunLog"/>): the columns of one runs row, as <see cref="SqliteExecutionJournal"/>
/// would insert them, behind a header that says how long the record is and a checksum of it.
/// </summary>
/// <remarks>
/// <para>
/// Layout: the payload's length (4 bytes), a CRC-32C of that length, the generation and the payload (4 bytes), the
/// generation of the log file it was written to (4 bytes, see <see cref="RunLog"/>), then the payload: a
/// format byte, a flags byte, the run id, start, stop and timeout ticks (8 bytes each, little-endian; stop and timeout
/// only meaningful when their flag is set), then the ten text columns and the events, each as a 4-byte length (-1 for
/// null) and its bytes (text in UTF-8, the file's encoding, so the move binds it to SQLite with no conversion; the
/// events as the engine packed them, not yet compressed: the move compresses them as the runs column stores them, on
/// its own thread, where the appender's would otherwise wait for it).
/// </para>
/// <para>
/// The checksum covers the length so that a record's header cannot be believed on its own: a write cut short by the
/// process's death, or the zeros a file system may leave after an OS crash, fail it, and reading stops there. It covers
/// the generation because a log file is reused without being emptied: the records of its previous use are still there
/// after the new ones, whole and with good checksums, and only their generation tells them apart.
/// </para>
/// </remarks>
internal static class RunLogRecord
{
    public const int HeaderLength = 12;

    private const byte Format = 1;
    private const byte HasStop = 1;
    private const byte HasTimeout = 2;

    /// <summary>Format, flags, four longs, eleven lengths: what even a record of empty columns holds.</summary>
    private const int MinimumPayloadLength = 2 + (4 * 8) + (11 * 4);

    /// <summary>The columns of <see cref="SqliteExecutionJournal"/>'s runs insert, in its order (?2 to ?13 less the dates).</summary>
    private const int TextColumns = 10;

    /// <summary>Appends the record of one run to <paramref name="buffer"/>.</summary>
    /// <param name="events">The packed events (<see cref="HistoryEventPacking"/>), uncompressed.</param>
    /// <param name="generation">The generation of the log file the record is written to.</param>
    public static void Append(RunLogBuffer buffer, uint generation, long runId, ExecutionRecord e, string definitionId, byte[]? events)
    {
        var start = buffer.Length;
        buffer.Reserve(HeaderLength + MinimumPayloadLength);
        var span = buffer.Bytes.AsSpan(start + HeaderLength);
        span[0] = Format;
        span[1] = (byte)((e.StopDate is null ? 0 : HasStop) | (e.TimeoutAt is null ? 0 : HasTimeout));
        BinaryPrimitives.WriteInt64LittleEndian(span[2..], runId);
        BinaryPrimitives.WriteInt64LittleEndian(span[10..], e.StartDate.UtcTicks);
        BinaryPrimitives.WriteInt64LittleEndian(span[18..], e.StopDate?.UtcTicks ?? 0);
        BinaryPrimitives.WriteInt64LittleEndian(span[26..], e.TimeoutAt?.UtcTicks ?? 0);
        buffer.Length = start + HeaderLength + 34;

        WriteText(buffer, e.Arn);
        WriteText(buffer, e.StateMachineArn);
        WriteText(buffer, e.Name);
        WriteText(buffer, e.Status);
        WriteText(buffer, e.Input);
        WriteText(buffer, e.Output);
        WriteText(buffer, e.Error);
        WriteText(buffer, e.Cause);
        WriteText(buffer, definitionId);
        WriteText(buffer, e.RoleArn);
        if (events is null)
        {
            WriteLength(buffer, -1);
        }
        else
        {
            WriteLength(buffer, events.Length);
            buffer.Reserve(events.Length);
            events.CopyTo(buffer.Bytes.AsSpan(buffer.Length));
            buffer.Length += events.Length;
        }

        var payloadLength = buffer.Length - start - HeaderLength;
        var header = buffer.Bytes.AsSpan(start, HeaderLength);
        BinaryPrimitives.WriteInt32LittleEndian(header, payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], generation);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Checksum(header, buffer.Bytes.AsSpan(start + HeaderLength, payloadLength)));
        if (buffer.Count++ == 0)
        {
            buffer.FirstRunId = runId;
        }

        buffer.LastRunId = runId;
    }

    /// <summary>
    /// The payload of the record at <paramref name="offset"/>, which then moves past it; false where no whole record with
    /// a matching checksum starts there (the end of the log, or a torn or damaged tail: nothing after it is read), or
    /// where the record is not of <paramref name="generation"/> (when given: a record left by the file's previous use).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> log, ref int offset, out ReadOnlySpan<byte> payload, uint? generation = null)
    {
        payload = default;
        var rest = log[offset..];
        if (rest.Length < HeaderLength)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(rest);
        if (length < MinimumPayloadLength || length > rest.Length - HeaderLength)
        {
            return false;
        }

        var candidate = rest.Slice(HeaderLength, length);
        if (BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]) != Checksum(rest[..HeaderLength], candidate) || candidate[0] != Format
            || (generation is { } expected && BinaryPrimitives.ReadUInt32LittleEndian(rest[8..]) != expected))
        {
            return false;
        }

        payload = candidate;
        offset += HeaderLength + length;
        return true;
    }

    /// <summary>
    /// Binds a payload's columns to <paramref name="insert"/> (the runs insert: id, arn, state_machine_arn, name, status,
    /// start_date, stop_date, input, output, error, cause, definition, role_arn, timeout_at, first_events, batch_ids).
    /// </summary>
    /// <returns>About how many bytes the row holds: its columns as bound.</returns>
    public static int Bind(ReadOnlySpan<byte> payload, RawStatement insert)
    {
        var flags = payload[1];
        insert.Bind(1, BinaryPrimitives.ReadInt64LittleEndian(payload[2..]));
        insert.Bind(6, BinaryPrimitives.ReadInt64LittleEndian(payload[10..]));
        insert.Bind(7, (flags & HasStop) != 0 ? BinaryPrimitives.ReadInt64LittleEndian(payload[18..]) : null);
        insert.Bind(14, (flags & HasTimeout) != 0 ? BinaryPrimitives.ReadInt64LittleEndian(payload[26..]) : null);

        // Text columns in record order, and the parameter each binds.
        ReadOnlySpan<int> parameters = [2, 3, 4, 5, 8, 9, 10, 11, 12, 13];
        var position = 34;
        for (var i = 0; i < TextColumns; i++)
        {
            var field = Field(payload, ref position, out var isNull);
            if (isNull)
            {
                insert.BindNull(parameters[i]);
            }
            else
            {
                insert.BindUtf8(parameters[i], field);
            }
        }

        var textEnd = position;
        var events = Field(payload, ref position, out var noEvents);
        var eventBytes = 0;
        if (noEvents)
        {
            insert.BindNull(15);
        }
        else if (PackedEventsCompression.Encode(events) is { } compressed)
        {
            insert.BindBlob(15, compressed);
            eventBytes = compressed.Length;
        }
        else
        {
            insert.BindBlob(15, events);
            eventBytes = events.Length;
        }

        // A run that ended in its first batch has no batch rows.
        insert.BindNull(16);
        return textEnd + eventBytes;
    }

    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> payload, ref int position, out bool isNull)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(payload[position..]);
        position += 4;
        isNull = length < 0;
        if (isNull)
        {
            return default;
        }

        var field = payload.Slice(position, length);
        position += length;
        return field;
    }

    private static void WriteText(RunLogBuffer buffer, string? value)
    {
        if (value is null)
        {
            WriteLength(buffer, -1);
            return;
        }

        // At most three UTF-8 bytes per UTF-16 character: reserved without counting first.
        buffer.Reserve(4 + (value.Length * 3));
        var written = Encoding.UTF8.GetBytes(value, buffer.Bytes.AsSpan(buffer.Length + 4));
        BinaryPrimitives.WriteInt32LittleEndian(buffer.Bytes.AsSpan(buffer.Length), written);
        buffer.Length += 4 + written;
    }

    private static void WriteLength(RunLogBuffer buffer, int length)
    {
        buffer.Reserve(4);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.Bytes.AsSpan(buffer.Length), length);
        buffer.Length += 4;
    }

    /// <summary>
    /// CRC-32C (the CPU's crc32 instruction where there is one) of the header's length and generation, then the payload.
    /// </summary>
    private static uint Checksum(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        var crc = BitOperations.Crc32C(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(header));
        crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt32LittleEndian(header[8..]));
        while (payload.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(payload));
            payload = payload[8..];
        }

        foreach (var b in payload)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}

/// <summary>Records appended to the run log and not yet moved into SQLite, in run id order.</summary>
internal sealed class RunLogBuffer
{
    private const int InitialCapacity = 64 * 1024;

    /// <summary>Room for a move's worth of records (<see cref="SqliteExecutionJournal.MoveAfterRecords"/> of a few KiB) and more.</summary>
    private const int MaxKeptCapacity = 32 << 20;

    public byte[] Bytes { get; private set; } = new byte[InitialCapacity];

    public int Length { get; set; }

    public int Count { get; set; }

    public long FirstRunId { get; set; } = long.MaxValue;

    public long LastRunId { get; set; }

    /// <summary>Room for <paramref name="bytes"/> more after <see cref="Length"/>.</summary>
    public void Reserve(int bytes)
    {
        if (Bytes.Length - Length >= bytes)
        {
            return;
        }

        var grown = new byte[Math.Max(Bytes.Length * 2, Length + bytes)];
        Bytes.AsSpan(0, Length).CopyTo(grown);
        Bytes = grown;
    }

    public void Clear()
    {
        Length = 0;
        Count = 0;
        FirstRunId = long.MaxValue;
        LastRunId = 0;
        if (Bytes.Length > MaxKeptCapacity)
        {
            // Do not keep a huge buffer alive after one burst (or one huge input). Below this it is kept: a buffer
            // allocated again for every move is a large object whose pages the process faults in again each time.
            Bytes = new byte[InitialCapacity];
        }
    }

    /// <summary>Appends the records of <paramref name="later"/> (all with greater run ids) after this buffer's.</summary>
    public void AppendFrom(RunLogBuffer later)
    {
        if (later.Count == 0)
        {
            return;
        }

        Reserve(later.Length);
        later.Bytes.AsSpan(0, later.Length).CopyTo(Bytes.AsSpan(Length));
        Length += later.Length;
        Count += later.Count;
        FirstRunId = Math.Min(FirstRunId, later.FirstRunId);
        LastRunId = later.LastRunId;
    }
}
