using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using K4os.Compression.LZ4;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// Compression of the packed history events the SQLite journal stores (<see cref="HistoryEventPacking"/>'s JSON). The
/// JSON repeats itself (state names, event types, each state's document growing from the last one's), so it shrinks to
/// about a quarter; a commit's row then shares a b-tree leaf with the rows of other commits instead of taking a leaf
/// page of its own, and each commit writes fewer WAL pages.
/// </summary>
/// <remarks>
/// <para>
/// Format: a payload that starts with neither marker is the packed JSON itself (every row written before compression
/// existed, and payloads compression did not shrink); packed JSON always starts with '[', never with a control
/// character. A compressed payload is a marker, the JSON's length (4 bytes, little-endian), then the compressed bytes.
/// </para>
/// <para>
/// New rows are LZ4 (<see cref="Lz4Marker"/>). Rows of the previous version are Brotli (<see cref="BrotliMarker"/>)
/// and still read. LZ4 replaced Brotli at quality 0 because a journaled pass chain spent a fifth of its journal's CPU
/// in Brotli: for a pass chain's 2.7 KB of events LZ4 took about 2 µs against Brotli's 6 to 7, and stored 725 bytes
/// against 633 (a row of about 1.2 KB either way, so about as many rows per page); it also reads back several times
/// faster. Deflate at its fastest level cost as much as Brotli for 646 bytes; storing the JSON plain made rows of
/// about 3 KB, one per page, and cost more in WAL writes than it saved.
/// </para>
/// </remarks>
internal static class PackedEventsCompression
{
    /// <summary>First byte of a Brotli payload (written by the previous version): a control character, which no JSON text starts with.</summary>
    internal const byte BrotliMarker = 0x01;

    /// <summary>First byte of an LZ4 block payload, what this version writes.</summary>
    internal const byte Lz4Marker = 0x02;

    private const int HeaderLength = 5;

    /// <summary>
    /// Below this the stored row is small anyway and a compressed form's header wins little: stored as it is.
    /// </summary>
    internal const int MinimumLengthToCompress = 256;

    /// <summary>The bytes to store for <paramref name="packed"/>: compressed when that makes them smaller, else itself.</summary>
    public static byte[] Encode(byte[] packed)
    {
        ArgumentNullException.ThrowIfNull(packed);
        return packed.Length < MinimumLengthToCompress ? packed : Encode(packed.AsSpan()) ?? packed;
    }

    /// <summary>
    /// The bytes to store for <paramref name="packed"/> when it is short or does not shrink: null (store them as they are);
    /// otherwise the compressed form.
    /// </summary>
    public static byte[]? Encode(ReadOnlySpan<byte> packed)
    {
        if (packed.Length < MinimumLengthToCompress)
        {
            return null;
        }

        // Only worth it if it saves something: a result at least as long as the input is not kept.
        var limit = packed.Length - 1;
        var rented = ArrayPool<byte>.Shared.Rent(limit);
        try
        {
            var destination = rented.AsSpan(0, limit);
            var written = LZ4Codec.Encode(packed, destination[HeaderLength..], LZ4Level.L00_FAST);
            if (written <= 0)
            {
                return null;
            }

            destination[0] = Lz4Marker;
            BinaryPrimitives.WriteInt32LittleEndian(destination[1..HeaderLength], packed.Length);
            return destination[..(HeaderLength + written)].ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The packed JSON held by a stored payload, compressed (either way) or not.</summary>
    public static ReadOnlyMemory<byte> Decode(byte[] stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Length == 0 || (stored[0] != Lz4Marker && stored[0] != BrotliMarker))
        {
            return stored;
        }

        if (stored.Length < HeaderLength)
        {
            throw new InvalidDataException("A compressed history payload is shorter than its header.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(stored.AsSpan(1, HeaderLength - 1));
        if (length < 0)
        {
            throw new InvalidDataException($"A compressed history payload gives a negative length ({length}).");
        }

        var packed = new byte[length];
        var body = stored.AsSpan(HeaderLength);
        var written = -1;
        if (stored[0] == Lz4Marker)
        {
            written = LZ4Codec.Decode(body, packed);
        }
        else if (BrotliDecoder.TryDecompress(body, packed, out var brotliWritten))
        {
            written = brotliWritten;
        }

        if (written != length)
        {
            throw new InvalidDataException($"A compressed history payload does not decompress to the {length} bytes it gives.");
        }

        return packed;
    }
}
