using System.Buffers;
using System.Text.Json;
using FileUploader.StateMachine.History;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// Packs the history events of one commit into one JSON text, so a commit inserts one row instead of one per
/// event: row inserts, not bytes, were what a journaled execution spent its time on. The format is an array of
/// <c>[id, previousEventId, timestampUtcTicks, type, details]</c> with the details object embedded verbatim, so the
/// details text reads back byte for byte.
/// </summary>
internal sealed class HistoryEventPacking
{
    private const int InitialCapacity = 4096;
    private ArrayBufferWriter<byte> _buffer = new(InitialCapacity);
    private Utf8JsonWriter _writer;

    public HistoryEventPacking() => _writer = new Utf8JsonWriter(_buffer);

    /// <summary>Not thread-safe: the journal calls it under its lock.</summary>
    public byte[] Pack(IReadOnlyList<HistoryEvent> events)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartArray();
        foreach (var e in events)
        {
            _writer.WriteStartArray();
            _writer.WriteNumberValue(e.Id);
            _writer.WriteNumberValue(e.PreviousEventId);
            _writer.WriteNumberValue(e.Timestamp.UtcTicks);
            _writer.WriteStringValue(e.Type);
            e.WriteDetailsTo(_writer);

            _writer.WriteEndArray();
        }

        _writer.WriteEndArray();
        _writer.Flush();
        var packed = _buffer.WrittenSpan.ToArray();
        if (_buffer.Capacity > 1 << 20)
        {
            // Do not keep a huge buffer alive after one big batch (a large Map's results).
            _buffer = new ArrayBufferWriter<byte>(InitialCapacity);
            _writer = new Utf8JsonWriter(_buffer);
        }

        return packed;
    }

    public static void Unpack(string packed, List<HistoryEvent> into)
    {
        using var document = JsonDocument.Parse(packed);
        Unpack(document, into);
    }

    public static void Unpack(ReadOnlyMemory<byte> packed, List<HistoryEvent> into)
    {
        using var document = JsonDocument.Parse(packed);
        Unpack(document, into);
    }

    private static void Unpack(JsonDocument document, List<HistoryEvent> into)
    {
        var first = into.Count;
        foreach (var e in document.RootElement.EnumerateArray())
        {
            var details = e[4];
            var detailsJson = details.ValueKind == JsonValueKind.Null ? null : details.GetRawText();
            if (e.GetArrayLength() > 5)
            {
                detailsJson = WithInputOf(detailsJson!, e[5].GetInt64(), into, first);
            }

            into.Add(new HistoryEvent(
                e[0].GetInt64(),
                e[1].GetInt64(),
                new DateTimeOffset(e[2].GetInt64(), TimeSpan.Zero),
                e[3].GetString()!,
                detailsJson));
        }
    }

    /// <summary>
    /// A state's Entered event packed as <c>[id, previous, ticks, type, {"name":…}, exitedId]</c>: its input is the
    /// output of the Exited event <c>exitedId</c> of the same pack (see <see cref="StateEventDetails"/>). Rebuilds the
    /// details exactly as they were written unpacked: name, input, inputDetails.
    /// </summary>
    private static string WithInputOf(string nameOnly, long exitedId, List<HistoryEvent> events, int first)
    {
        for (var i = events.Count - 1; i >= first; i--)
        {
            if (events[i].Id != exitedId)
            {
                continue;
            }

            using var exited = JsonDocument.Parse(events[i].DetailsJson!);
            var output = exited.RootElement.GetProperty("output").GetRawText();
            return string.Concat(nameOnly.AsSpan(0, nameOnly.Length - 1), ",\"input\":", output, ",\"inputDetails\":{\"truncated\":false}}");
        }

        throw new JsonException($"History event {exitedId}, whose output a later event refers to, is not in the same pack.");
    }
}
