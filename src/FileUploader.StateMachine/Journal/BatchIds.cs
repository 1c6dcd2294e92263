namespace FileUploader.StateMachine.Journal;

/// <summary>
/// The ids of an execution's batch rows, ascending, as a runs column: the first id, then each gap to the next, as LEB128
/// varints (an upload's eight ids fit in about a dozen bytes). Small on purpose: it is written when the row is rewritten
/// anyway (its status changes), and a row that grows in a full page makes SQLite rebalance that page with its neighbours.
/// </summary>
internal static class BatchIds
{
    public static byte[] Encode(IEnumerable<long> ids)
    {
        Span<byte> buffer = stackalloc byte[10];
        var bytes = new List<byte>(16);
        var previous = 0L;
        foreach (var id in ids)
        {
            if (id <= previous && bytes.Count > 0)
            {
                throw new ArgumentException("Batch ids must be ascending.", nameof(ids));
            }

            var value = (ulong)(id - previous);
            var length = 0;
            while (value >= 0x80)
            {
                buffer[length++] = (byte)(value | 0x80);
                value >>= 7;
            }

            buffer[length++] = (byte)value;
            for (var i = 0; i < length; i++)
            {
                bytes.Add(buffer[i]);
            }

            previous = id;
        }

        return [.. bytes];
    }

    public static List<long> Decode(ReadOnlySpan<byte> encoded)
    {
        var ids = new List<long>();
        var previous = 0L;
        var position = 0;
        while (position < encoded.Length)
        {
            ulong value = 0;
            var shift = 0;
            while (true)
            {
                if (position >= encoded.Length || shift > 63)
                {
                    throw new FormatException("A run's journaled batch ids are malformed.");
                }

                var b = encoded[position++];
                value |= (ulong)(b & 0x7F) << shift;
                shift += 7;
                if (b < 0x80)
                {
                    break;
                }
            }

            previous += (long)value;
            ids.Add(previous);
        }

        return ids;
    }
}
