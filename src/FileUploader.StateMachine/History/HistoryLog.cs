using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Journal;

namespace FileUploader.StateMachine.History;

/// <summary>
/// The history of one execution as it happens, held as UTF-8 JSON in the journal's packed format
/// (<see cref="HistoryEventPacking"/>: <c>[id, previousEventId, timestampUtcTicks, type, details]</c> per event).
/// Each event is rendered once, straight into one buffer, when it is appended: no event objects and no per-event
/// strings, and a finished execution keeps its whole history as one byte array (what made retained executions
/// expensive was the garbage collector walking millions of small event objects). A journal commit takes the events
/// appended since the last commit as a ready-packed slice; readers unpack on demand.
/// Not thread-safe: <see cref="Execution.ExecutionRun"/> calls it under its lock.
/// </summary>
internal sealed class HistoryLog : IBufferWriter<byte>
{
    private const int InitialCapacity = 2048;

    // Escapes only what JSON requires (a quote inside an input text is \", as AWS prints it, not \u0022): the
    // history is mostly escaped documents, so this keeps it about a third smaller.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialCapacity);
    private bool _rented = true;
    private int _length;
    private int _pendingStart;
    private int _pendingCount;
    private long _pendingFirstId;
    private int _eventStart;

    public int Count { get; private set; }

    /// <summary>
    /// True when each batch packed with <see cref="PackPending"/> is read on its own (a durable journal), so an event
    /// may refer only to events of its own batch; false when only the whole log is ever read.
    /// </summary>
    public bool SelfContainedBatches { get; init; }

    /// <summary>True when an event being appended may refer to the earlier event <paramref name="id"/> (same batch).</summary>
    public bool CanReference(long id) => !SelfContainedBatches || (_pendingCount > 0 && id >= _pendingFirstId);

    /// <summary>Starts an event; write its details value (an object or null) into the writer, then call <see cref="EndEvent"/>.</summary>
    public Utf8JsonWriter BeginEvent(long id, long previousEventId, DateTimeOffset timestamp, string type)
    {
        _eventStart = _length;
        if (Count > 0)
        {
            GetSpan(1)[0] = (byte)',';
            _length++;
        }

        if (_pendingCount == 0)
        {
            _pendingFirstId = id;
        }

        var writer = t_writer ??= new Utf8JsonWriter(this, Options);
        writer.Reset(this);
        writer.WriteStartArray();
        writer.WriteNumberValue(id);
        writer.WriteNumberValue(previousEventId);
        writer.WriteNumberValue(timestamp.UtcTicks);
        writer.WriteStringValue(type);
        return writer;
    }

    public void EndEvent(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.Flush();
        Count++;
        _pendingCount++;
    }

    /// <summary>Drops the event begun last (its details could not be written), so the log stays well-formed.</summary>
    public void AbandonEvent() => _length = _eventStart;

    /// <summary>Appends an event read back from a journal (its details text verbatim), already journaled.</summary>
    public void AppendJournaled(HistoryEvent e)
    {
        var writer = BeginEvent(e.Id, e.PreviousEventId, e.Timestamp, e.Type);
        if (e.DetailsJson is { } details)
        {
            writer.WriteRawValue(details, skipInputValidation: true);
        }
        else
        {
            writer.WriteNullValue();
        }

        EndEvent(writer);
        MarkJournaled();
    }

    /// <summary>True when events were appended since the last <see cref="MarkJournaled"/>.</summary>
    public bool HasPending => _pendingCount > 0;

    /// <summary>
    /// The events appended since the last <see cref="MarkJournaled"/>, packed as a JSON array (a copy), and the first
    /// one's id. They stay pending until the caller has journaled them and says so.
    /// </summary>
    public (byte[] Packed, long FirstId) PackPending() => (Pack(_pendingStart), _pendingFirstId);

    /// <summary>The pending events are journaled (or, for a journal that cannot outlive the process, never will be).</summary>
    public void MarkJournaled()
    {
        _pendingStart = _length;
        _pendingCount = 0;
    }

    /// <summary>Every event so far, packed as a JSON array (a copy, safe to read outside the caller's lock).</summary>
    public byte[] PackAll() => Pack(0);

    /// <summary>The execution ended: keep the history in an array of its exact size and give the working buffer back.</summary>
    public void Seal()
    {
        if (!_rented)
        {
            return;
        }

        // A finished execution's history stays in memory until the engine lets it go (EngineOptions.
        // MaxRetainedHistoryEvents), so almost every one survives into the oldest generation. Allocated on the pinned
        // object heap, which the collector never compacts, it is not copied gen0 → gen1 → gen2 on the way (measured:
        // a third of the gen1 collections and about 40 % less GC pause on a 5-state benchmark). It holds no
        // references, so it costs the collector nothing to keep.
        var exact = GC.AllocateUninitializedArray<byte>(_length, pinned: true);
        _buffer.AsSpan(0, _length).CopyTo(exact);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = exact;
        _rented = false;
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    private byte[] Pack(int start)
    {
        // The slice after the first event of a commit starts with the separating comma.
        var events = _buffer.AsSpan(start, _length - start);
        if (!events.IsEmpty && events[0] == (byte)',')
        {
            events = events[1..];
        }

        var packed = new byte[events.Length + 2];
        packed[0] = (byte)'[';
        events.CopyTo(packed.AsSpan(1));
        packed[^1] = (byte)']';
        return packed;
    }

    private void Ensure(int sizeHint)
    {
        var needed = _length + Math.Max(sizeHint, 256);
        if (needed <= _buffer.Length)
        {
            return;
        }

        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(grown);
        if (_rented)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = grown;
        _rented = true;
    }
}

/// <summary>
/// The events of a packed JSON array, unpacked into <see cref="HistoryEvent"/>s the first time someone reads them
/// (the SQLite journal stores the packed text as it is and never needs them).
/// </summary>
internal sealed class PackedHistoryEvents(byte[] packed) : IReadOnlyList<HistoryEvent>
{
    private List<HistoryEvent>? _events;

    public byte[] Packed { get; } = packed;

    public HistoryEvent this[int index] => Events[index];

    public int Count => Events.Count;

    public IEnumerator<HistoryEvent> GetEnumerator() => Events.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private List<HistoryEvent> Events
    {
        get
        {
            if (_events is null)
            {
                var events = new List<HistoryEvent>();
                HistoryEventPacking.Unpack(Packed, events);
                Interlocked.CompareExchange(ref _events, events, null);
            }

            return _events;
        }
    }
}

/// <summary>The details objects of the hot events, written without an <see cref="EventDetails"/> in between.</summary>
internal static class StateEventDetails
{
    // The document of a state's Exited event is, unchanged, the input of the frame's next Entered event: keep its
    // escaped text for that one use, so each document is rendered and escaped once.
    [ThreadStatic]
    private static EscapedDocument? t_last;

    /// <summary>
    /// <c>{"name", "input"|"output", "inputDetails"|"outputDetails"}</c>, exactly as <see cref="EventDetails.WriteTo"/>
    /// writes a state's Entered/Exited details. The document is given as text when the caller has it, else as a node.
    /// <paramref name="owner"/> and <paramref name="step"/> say whose input <paramref name="node"/> is (or becomes);
    /// <paramref name="eventId"/> is the event being written.
    /// </summary>
    /// <returns>
    /// For an Entered event whose input is the output of the frame's previous Exited event in the same log, only
    /// <c>{"name"}</c> is written and that event's id is returned: the packer stores it as a reference and
    /// <see cref="HistoryEventPacking"/> puts the text back when reading, so the history keeps each document
    /// once (about half the bytes held in memory and journaled). Otherwise 0.
    /// </returns>
    public static long Write(Utf8JsonWriter writer, string name, bool isInput, string? json, JsonNode? node, object owner, int step, long eventId, HistoryLog log)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        if (json is not null)
        {
            writer.WriteString(isInput ? "input" : "output", json);
        }
        else
        {
            var last = t_last ??= new EscapedDocument();
            if (isInput && last.Matches(owner, step, node) && log.CanReference(last.EventId))
            {
                var exitedId = last.EventId;
                last.Forget();
                writer.WriteEndObject();
                return exitedId;
            }

            if (!isInput || !last.Matches(owner, step, node))
            {
                last.Render(owner, step, node);
            }

            writer.WritePropertyName(isInput ? "input" : "output");
            writer.WriteRawValue(last.Text, skipInputValidation: true);
            if (isInput)
            {
                last.Forget();
            }
            else
            {
                last.EventId = eventId;
            }
        }

        writer.WriteStartObject(isInput ? "inputDetails" : "outputDetails");
        writer.WriteBoolean("truncated", false);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return 0;
    }

    /// <summary>Forgets the remembered output (its event was dropped, so its id will be given to another event).</summary>
    public static void Forget() => t_last?.Forget();

    /// <summary>A document's compact JSON text as a quoted, escaped JSON string, with whose input it is.</summary>
    private sealed class EscapedDocument
    {
        private byte[] _buffer = new byte[1024];
        private int _length;
        private object? _owner;
        private int _step;
        private JsonNode? _node;

        public ReadOnlySpan<byte> Text => _buffer.AsSpan(0, _length);

        /// <summary>The Exited event the text was written into (0: written into no event yet).</summary>
        public long EventId { get; set; }

        public bool Matches(object owner, int step, JsonNode? node) =>
            ReferenceEquals(_owner, owner) && _step == step && ReferenceEquals(_node, node);

        public void Forget()
        {
            _owner = null;
            _node = null;
            EventId = 0;
        }

        /// <summary>
        /// The compact text (relaxed escaping) inside quotes, with only <c>"</c> and <c>\</c> escaped: everything
        /// else the relaxed encoder would escape is already escaped inside the compact text, so this is byte for
        /// byte what <see cref="Utf8JsonWriter.WriteStringValue(ReadOnlySpan{byte})"/> writes with that encoder.
        /// </summary>
        public void Render(object owner, int step, JsonNode? node)
        {
            var text = Execution.JsonText.WriteUtf8(node);
            var worst = (text.Length * 2) + 2;
            if (_buffer.Length < worst)
            {
                _buffer = new byte[Math.Max(worst, _buffer.Length * 2)];
            }

            var output = _buffer.AsSpan();
            output[0] = (byte)'"';
            var at = 1;
            // One pass over the bytes: a compact JSON document is full of quotes (two per key), so searching for
            // the next one with IndexOfAny costs a call per quote; measured 4x slower on a typical state document.
            foreach (var b in text)
            {
                if (b is (byte)'"' or (byte)'\\')
                {
                    output[at++] = (byte)'\\';
                }

                output[at++] = b;
            }

            output[at++] = (byte)'"';
            _length = at;
            if (_buffer.Length > 1 << 20)
            {
                // Not kept: one huge document must not pin a huge buffer to the thread.
                t_last = null;
            }

            (_owner, _step, _node) = (owner, step, node);
            EventId = 0;
        }
    }
}
