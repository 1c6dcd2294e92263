using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// Brotli for the packed history events the SQLite journal stores (<see cref="HistoryEventPacking"/>'s JSON). The JSON
/// repeats itself (state names, event types, the same document in Exited and the next state's events), so it shrinks
/// to about a quarter; a commit's row then shares a b-tree leaf with the rows of other commits instead of taking a
/// leaf page of its own, and each commit writes fewer WAL pages.
/// </summary>
/// <remarks>
/// Format: a payload that does not start with <see cref="BrotliMarker"/> is the packed JSON itself (every row written
/// before this existed, and payloads compression did not shrink); packed JSON always starts with '[', never with that
/// byte. A compressed payload is the marker, the JSON's length (4 bytes, little-endian), then one Brotli stream.
/// </remarks>
internal static class PackedEventsCompression
{
    /// <summary>First byte of a compressed payload: a control character, which no JSON text starts with.</summary>
    internal const byte BrotliMarker = 0x01;

    private const int HeaderLength = 5;

    /// <summary>
    /// Below this the stored row is small anyway and Brotli's few bytes of framing win little: stored as it is.
    /// </summary>
    internal const int MinimumLengthToCompress = 256;

    /// <summary>
    /// Quality 0 is the fastest: a few microseconds for a commit's events, and the repeats that matter are found
    /// anyway. A 64 KiB window (2^16) covers a typical commit's events whole and sets up faster than the default 4 MiB.
    /// </summary>
    private const int Quality = 0;
    private const int WindowBits = 16;

    /// <summary>The bytes to store for <paramref name="packed"/>: compressed when that makes them smaller, else itself.</summary>
    public static byte[] Encode(byte[] packed)
    {
        ArgumentNullException.ThrowIfNull(packed);
        if (packed.Length < MinimumLengthToCompress)
        {
            return packed;
        }

        // Only worth it if it saves something: a result at least as long as the input is not kept.
        var limit = packed.Length - 1;
        var rented = ArrayPool<byte>.Shared.Rent(limit);
        try
        {
            var destination = rented.AsSpan(0, limit);
            if (!BrotliEncoder.TryCompress(packed, destination[HeaderLength..], out var written, Quality, WindowBits))
            {
                return packed;
            }

            destination[0] = BrotliMarker;
            BinaryPrimitives.WriteInt32LittleEndian(destination[1..HeaderLength], packed.Length);
            return destination[..(HeaderLength + written)].ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The packed JSON held by a stored payload, compressed or not.</summary>
    public static ReadOnlyMemory<byte> Decode(byte[] stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Length == 0 || stored[0] != BrotliMarker)
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
        if (!BrotliDecoder.TryDecompress(stored.AsSpan(HeaderLength), packed, out var written) || written != length)
        {
            throw new InvalidDataException($"A compressed history payload does not decompress to the {length} bytes it gives.");
        }

        return packed;
    }
}
