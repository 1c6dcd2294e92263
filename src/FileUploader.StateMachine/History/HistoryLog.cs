using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FileUploader.StateMachine.Documents;
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
    // Rented from the shared pool, so a larger first buffer costs no allocation. A 5-state run's history is about
    // 2.6 KB: starting at 2 KB, every such run rented a second buffer and copied the first into it.
    private const int InitialCapacity = 4096;

    // Escapes only what JSON requires (a quote inside an input text is \", as AWS prints it, not \u0022): the
    // history is mostly escaped documents, so this keeps it about a third smaller.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialCapacity);
    private bool _rented = true;

    // Where the log starts in _buffer: 0 while it is being written, its place in a shared slab once sealed.
    private int _origin;
    private RetainedHistorySlabs.Slab? _slab;
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
        var writer = BeginEventCore(id, previousEventId, timestamp);
        writer.WriteStringValue(type);
        return writer;
    }

    /// <summary>Like the overload with a string type, for the hot state events whose type is encoded once.</summary>
    public Utf8JsonWriter BeginEvent(long id, long previousEventId, DateTimeOffset timestamp, JsonEncodedText type)
    {
        var writer = BeginEventCore(id, previousEventId, timestamp);
        writer.WriteStringValue(type);
        return writer;
    }

    private Utf8JsonWriter BeginEventCore(long id, long previousEventId, DateTimeOffset timestamp)
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
        return writer;
    }

    public void EndEvent(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.Flush();
        Count++;
        _pendingCount++;
    }

    /// <summary>
    /// Appends a state's Entered (<paramref name="isInput"/>) or Exited event, byte for byte what <see cref="BeginEvent(long, long, DateTimeOffset, JsonEncodedText)"/>,
    /// <see cref="StateEventDetails.Write"/> and <see cref="EndEvent"/> write for a document given as text, but copied
    /// straight into the buffer: those writer calls were about a third of a short execution's CPU. Every part is
    /// already JSON (encoded names, an escaped document) or a number, so nothing needs escaping here.
    /// <paramref name="quotedDocument"/> is the document as a quoted JSON string, or empty when the event refers to
    /// the Exited event <paramref name="referencedEventId"/> instead (see <see cref="StateEventDetails.Write"/>).
    /// </summary>
    public void AppendStateEvent(long id, long previousEventId, DateTimeOffset timestamp, JsonEncodedText type, JsonEncodedText name, bool isInput, ReadOnlySpan<byte> quotedDocument, long referencedEventId)
    {
        var typeBytes = type.EncodedUtf8Bytes;
        var nameBytes = name.EncodedUtf8Bytes;
        var documentPart = referencedEventId != 0
            ? 2 + MaxNumberLength
            : (isInput ? InputPrefix : OutputPrefix).Length + quotedDocument.Length + (isInput ? InputDetailsSuffix : OutputDetailsSuffix).Length;
        var span = GetSpan(MaxHeadLength + typeBytes.Length + NamePrefix.Length + nameBytes.Length + 1 + documentPart + 1);
        var at = WriteHead(span, id, previousEventId, timestamp, typeBytes);
        at += Copy(NamePrefix, span[at..]);
        at += Copy(nameBytes, span[at..]);
        span[at++] = (byte)'"';
        if (referencedEventId != 0)
        {
            span[at++] = (byte)'}';
            span[at++] = (byte)',';
            at += WriteNumber(referencedEventId, span[at..]);
        }
        else
        {
            at += Copy(isInput ? InputPrefix : OutputPrefix, span[at..]);
            at += Copy(quotedDocument, span[at..]);
            at += Copy(isInput ? InputDetailsSuffix : OutputDetailsSuffix, span[at..]);
        }

        span[at++] = (byte)']';
        Appended(id, at);
    }

    /// <summary>
    /// Appends ExecutionStarted, byte for byte what <see cref="BeginEvent(long, long, DateTimeOffset, JsonEncodedText)"/>
    /// and a writer give for <c>{"input", "inputDetails", "roleArn", "stateMachineArn"}</c>, copied straight into the
    /// buffer like <see cref="AppendStateEvent"/>. <paramref name="quotedInput"/> is the input as a quoted JSON string.
    /// </summary>
    public void AppendExecutionStarted(long id, long previousEventId, DateTimeOffset timestamp, ReadOnlySpan<byte> quotedInput, JsonEncodedText roleArn, JsonEncodedText stateMachineArn)
    {
        var typeBytes = ExecutionStartedType;
        var roleArnBytes = roleArn.EncodedUtf8Bytes;
        var stateMachineArnBytes = stateMachineArn.EncodedUtf8Bytes;
        var span = GetSpan(MaxHeadLength + typeBytes.Length + StartedInputPrefix.Length + quotedInput.Length + StartedRoleArnPrefix.Length
            + roleArnBytes.Length + StartedStateMachineArnPrefix.Length + stateMachineArnBytes.Length + 3);
        var at = WriteHead(span, id, previousEventId, timestamp, typeBytes);
        at += Copy(StartedInputPrefix, span[at..]);
        at += Copy(quotedInput, span[at..]);
        at += Copy(StartedRoleArnPrefix, span[at..]);
        at += Copy(roleArnBytes, span[at..]);
        at += Copy(StartedStateMachineArnPrefix, span[at..]);
        at += Copy(stateMachineArnBytes, span[at..]);
        span[at++] = (byte)'"';
        span[at++] = (byte)'}';
        span[at++] = (byte)']';
        Appended(id, at);
    }

    /// <summary>
    /// Appends ExecutionSucceeded with <c>{"output", "outputDetails"}</c>, as <see cref="AppendExecutionStarted"/> does;
    /// <paramref name="quotedOutput"/> is the output as a quoted JSON string.
    /// </summary>
    public void AppendExecutionSucceeded(long id, long previousEventId, DateTimeOffset timestamp, ReadOnlySpan<byte> quotedOutput)
    {
        var typeBytes = ExecutionSucceededType;
        var span = GetSpan(MaxHeadLength + typeBytes.Length + SucceededOutputPrefix.Length + quotedOutput.Length + OutputDetailsSuffix.Length + 1);
        var at = WriteHead(span, id, previousEventId, timestamp, typeBytes);
        at += Copy(SucceededOutputPrefix, span[at..]);
        at += Copy(quotedOutput, span[at..]);
        at += Copy(OutputDetailsSuffix, span[at..]);
        span[at++] = (byte)']';
        Appended(id, at);
    }

    /// <summary>
    /// Appends a Map iteration's Started/Succeeded/Aborted event with <c>{"name", "index"}</c>, as
    /// <see cref="AppendExecutionStarted"/> does (a Map of 1,000 items writes 2,000 of them).
    /// </summary>
    public void AppendIterationEvent(long id, long previousEventId, DateTimeOffset timestamp, JsonEncodedText type, JsonEncodedText name, int index)
    {
        var typeBytes = type.EncodedUtf8Bytes;
        var nameBytes = name.EncodedUtf8Bytes;
        var span = GetSpan(MaxHeadLength + typeBytes.Length + NamePrefix.Length + nameBytes.Length + IndexPrefix.Length + MaxNumberLength + 3);
        var at = WriteHead(span, id, previousEventId, timestamp, typeBytes);
        at += Copy(NamePrefix, span[at..]);
        at += Copy(nameBytes, span[at..]);
        at += Copy(IndexPrefix, span[at..]);
        at += WriteNumber(index, span[at..]);
        span[at++] = (byte)'}';
        span[at++] = (byte)']';
        Appended(id, at);
    }

    /// <summary>
    /// Writes <c>[id,previousEventId,ticks,"type",</c> (after the separating comma unless this is the first event), as
    /// <see cref="BeginEvent(long, long, DateTimeOffset, JsonEncodedText)"/> does; answers its length (at most
    /// <see cref="MaxHeadLength"/> and the type's).
    /// </summary>
    private int WriteHead(Span<byte> span, long id, long previousEventId, DateTimeOffset timestamp, ReadOnlySpan<byte> typeBytes)
    {
        var at = 0;
        if (Count > 0)
        {
            span[at++] = (byte)',';
        }

        span[at++] = (byte)'[';
        at += WriteNumber(id, span[at..]);
        span[at++] = (byte)',';
        at += WriteNumber(previousEventId, span[at..]);
        span[at++] = (byte)',';
        at += WriteNumber(timestamp.UtcTicks, span[at..]);
        span[at++] = (byte)',';
        span[at++] = (byte)'"';
        at += Copy(typeBytes, span[at..]);
        span[at++] = (byte)'"';
        span[at++] = (byte)',';
        return at;
    }

    /// <summary>An event of <paramref name="length"/> bytes was written at the end of the buffer.</summary>
    private void Appended(long id, int length)
    {
        if (_pendingCount == 0)
        {
            _pendingFirstId = id;
        }

        _eventStart = _length;
        _length += length;
        Count++;
        _pendingCount++;
    }

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }

    // A comma, the brackets, three numbers with their commas, and the type's quotes and comma.
    private const int MaxHeadLength = 2 + (3 * (MaxNumberLength + 1)) + 3;

    private static ReadOnlySpan<byte> ExecutionStartedType => "ExecutionStarted"u8;

    private static ReadOnlySpan<byte> ExecutionSucceededType => "ExecutionSucceeded"u8;

    private static ReadOnlySpan<byte> StartedInputPrefix => "{\"input\":"u8;

    private static ReadOnlySpan<byte> StartedRoleArnPrefix => ",\"inputDetails\":{\"truncated\":false},\"roleArn\":\""u8;

    private static ReadOnlySpan<byte> StartedStateMachineArnPrefix => "\",\"stateMachineArn\":\""u8;

    private static ReadOnlySpan<byte> IndexPrefix => "\",\"index\":"u8;

    private static ReadOnlySpan<byte> SucceededOutputPrefix => "{\"output\":"u8;

    // long.MinValue's 20 characters.
    private const int MaxNumberLength = 20;

    private static ReadOnlySpan<byte> NamePrefix => "{\"name\":\""u8;

    private static ReadOnlySpan<byte> InputPrefix => ",\"input\":"u8;

    private static ReadOnlySpan<byte> OutputPrefix => ",\"output\":"u8;

    private static ReadOnlySpan<byte> InputDetailsSuffix => ",\"inputDetails\":{\"truncated\":false}}"u8;

    private static ReadOnlySpan<byte> OutputDetailsSuffix => ",\"outputDetails\":{\"truncated\":false}}"u8;

    // As Utf8JsonWriter.WriteNumberValue(long) formats it.
    private static int WriteNumber(long value, Span<byte> destination)
    {
        Utf8Formatter.TryFormat(value, destination, out var written);
        return written;
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

    /// <summary>Every event so far, comma separated (<see cref="PackAll"/> without the brackets), not copied.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(_origin, _length);

    /// <summary>
    /// The execution ended: keep the history in exactly its size of retained memory and give the working buffer back.
    /// For a run nobody takes the history from (the engine copies it into <see cref="RetainedExecutions"/> instead).
    /// </summary>
    public void Seal()
    {
        if (!_rented)
        {
            return;
        }

        // A finished execution's history may stay in memory for long, so it would survive into the oldest generation.
        // Kept on the pinned object heap, which the collector never compacts, it is not copied gen0 → gen1 → gen2 on the way (measured:
        // a third of the gen1 collections and about 40 % less GC pause on a 5-state benchmark). It holds no
        // references, so it costs the collector nothing to keep.
        var (slab, bytes, origin) = RetainedHistorySlabs.Allocate(_length);
        _buffer.AsSpan(0, _length).CopyTo(bytes.AsSpan(origin));
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bytes;
        _origin = origin;
        _slab = slab;
        _rented = false;
    }

    /// <summary>
    /// The history is no longer kept: its memory (its place in the shared slab, or its working buffer if it was never
    /// sealed) may be reused at once, so the caller must make sure nothing reads this log afterwards (it is left empty).
    /// </summary>
    public void Release()
    {
        if (_rented)
        {
            // Never sealed: its owner copied it elsewhere (see RetainedExecutions), so the working buffer goes back.
            ArrayPool<byte>.Shared.Return(_buffer);
            _rented = false;
        }

        var slab = _slab;
        _slab = null;
        _buffer = [];
        _origin = 0;
        _length = 0;
        _pendingStart = 0;
        _pendingCount = 0;
        Count = 0;
        if (slab is not null)
        {
            RetainedHistorySlabs.Release(slab);
        }
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_origin + _length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_origin + _length);
    }

    private byte[] Pack(int start)
    {
        // The slice after the first event of a commit starts with the separating comma.
        var events = _buffer.AsSpan(_origin + start, _length - start);
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

        // A sealed log shares its slab with other histories: anything written after sealing goes to a buffer of its own.
        if (_rented && needed <= _buffer.Length)
        {
            return;
        }

        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, (_rented ? _buffer.Length : _length) * 2));
        _buffer.AsSpan(_origin, _length).CopyTo(grown);
        if (_rented)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = grown;
        _origin = 0;
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
    private static readonly JsonEncodedText NameProperty = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText InputProperty = JsonEncodedText.Encode("input");
    private static readonly JsonEncodedText OutputProperty = JsonEncodedText.Encode("output");
    private static readonly JsonEncodedText InputDetailsProperty = JsonEncodedText.Encode("inputDetails");
    private static readonly JsonEncodedText OutputDetailsProperty = JsonEncodedText.Encode("outputDetails");
    private static readonly JsonEncodedText TruncatedProperty = JsonEncodedText.Encode("truncated");

    public static long Write(Utf8JsonWriter writer, JsonEncodedText name, bool isInput, string? json, DocNode? node, object owner, int step, long eventId, HistoryLog log, InputEdit edit = InputEdit.Rewritten, string? appendedName = null)
    {
        writer.WriteStartObject();
        writer.WriteString(NameProperty, name);
        if (json is not null)
        {
            writer.WriteString(isInput ? InputProperty : OutputProperty, json);
        }
        else
        {
            var exitedId = Prepare(isInput, node, owner, step, eventId, log, edit, appendedName, out var text);
            if (exitedId != 0)
            {
                writer.WriteEndObject();
                return exitedId;
            }

            writer.WritePropertyName(isInput ? InputProperty : OutputProperty);
            writer.WriteRawValue(text, skipInputValidation: true);
        }

        writer.WriteStartObject(isInput ? InputDetailsProperty : OutputDetailsProperty);
        writer.WriteBoolean(TruncatedProperty, false);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return 0;
    }

    /// <summary>
    /// The document of a state event whose caller has no text for it, as <see cref="Write"/> takes it: the id of the
    /// Exited event an Entered event refers to (then <paramref name="text"/> is empty), or 0 and the document's quoted,
    /// escaped text (valid until the next event is written on this thread). Writes nothing, so when it throws (a
    /// document that cannot be rendered as JSON) the history is untouched.
    /// </summary>
    public static long Prepare(bool isInput, DocNode? node, object owner, int step, long eventId, HistoryLog log, InputEdit edit, string? appendedName, out ReadOnlySpan<byte> text)
    {
        var last = t_last ??= new EscapedDocument();
        if (isInput)
        {
            if (!last.Matches(owner, step, node))
            {
                last.Render(owner, step, node);
            }
            else if (last.EventId != 0 && log.CanReference(last.EventId))
            {
                var exitedId = last.EventId;
                last.EventId = 0;
                text = default;
                return exitedId;
            }

            // The text stays, as the input of step `step`: the state's Exited event may build on it.
            last.EventId = 0;
        }
        else
        {
            // The output is often the input document itself, unchanged (Choice, ResultPath null) or with one
            // member appended (ResultPath "$.name"): then its text is the Entered text, or that text with the
            // member spliced in before the closing brace, instead of a rendering of the whole document.
            // Already held when the caller composed the text (see Remember), e.g. a Parallel's result array from its branches' outputs.
            if (!last.Matches(owner, step, node)
                && (edit == InputEdit.Rewritten || !last.Matches(owner, step - 1, node) || !last.TryBuildOn(step, edit, appendedName, node)))
            {
                last.Render(owner, step, node);
            }

            last.EventId = eventId;
        }

        // Read from the thread's document itself: Render may have dropped it from the thread (a huge one).
        text = last.Text;
        return 0;
    }

    /// <summary>
    /// Appends ExecutionSucceeded (see <see cref="HistoryLog.AppendExecutionSucceeded"/>) when this thread still holds
    /// the text of <paramref name="node"/> as the output of <paramref name="owner"/>'s last state (<paramref name="step"/>
    /// as in <see cref="Write"/>), and answers the document's compact text. False (nothing written) otherwise.
    /// </summary>
    public static bool TryAppendLastOutput(HistoryLog log, long id, long previousEventId, DateTimeOffset timestamp, object owner, int step, DocNode? node, [NotNullWhen(true)] out string? text)
    {
        if (t_last is not { } last || !last.Matches(owner, step, node))
        {
            text = null;
            return false;
        }

        log.AppendExecutionSucceeded(id, previousEventId, timestamp, last.Text);
        text = last.Unescape();
        return true;
    }

    /// <summary>
    /// An execution's input as ExecutionStarted shows it, a quoted JSON string (valid until the next event is written
    /// on this thread), when it is printable ASCII: then escaping it is only a backslash before each <c>"</c> and
    /// <c>\</c>, which is what the writer does too. False for any other text (the caller uses the writer).
    /// When the text is also exactly how the history renders the parsed <paramref name="node"/> (see
    /// <see cref="EscapedDocument.QuoteInput"/>), it is kept as the text of <paramref name="owner"/>'s first input, so
    /// the first state's Entered event copies it instead of rendering and escaping the document again.
    /// </summary>
    public static bool TryQuoteInput(string input, object owner, DocNode? node, out ReadOnlySpan<byte> quoted)
    {
        if (input.AsSpan().ContainsAnyExceptInRange((char)0x20, (char)0x7E))
        {
            quoted = default;
            return false;
        }

        var last = t_last ??= new EscapedDocument();
        last.QuoteInput(input, owner, node);
        quoted = last.Text;
        return true;
    }

    /// <summary>Forgets the remembered output (its event was dropped, so its id will be given to another event).</summary>
    public static void Forget() => t_last?.Forget();

    /// <summary>
    /// The escaped text (without its quotes) this thread holds of <paramref name="node"/> as <paramref name="owner"/>'s
    /// input of <paramref name="step"/> (the output of step <c>step - 1</c>), as in <see cref="Write"/>; valid until the
    /// next event is written on this thread, so copy it at once. False when the thread holds another document's text.
    /// </summary>
    public static bool TryGetText(object owner, int step, DocNode? node, out ReadOnlySpan<byte> escaped)
    {
        if (t_last is not { } last || !last.Matches(owner, step, node))
        {
            escaped = default;
            return false;
        }

        escaped = last.Text[1..^1];
        return true;
    }

    /// <summary>
    /// Makes <paramref name="escaped"/>, the text of <paramref name="node"/> escaped as <see cref="TryGetText"/> gives
    /// it, this thread's text of that document as <paramref name="owner"/>'s input of <paramref name="step"/>: the next
    /// event that shows it (that state's Entered event, or the Exited event of the state whose output it is) writes it
    /// instead of rendering the document. The caller vouches that the text is the document's, byte for byte.
    /// </summary>
    public static void Remember(object owner, int step, DocNode? node, ReadOnlySpan<byte> escaped) =>
        (t_last ??= new EscapedDocument()).Adopt(owner, step, node, escaped);

    /// <summary>A document's compact JSON text as a quoted, escaped JSON string, with whose input it is.</summary>
    private sealed class EscapedDocument
    {
        private byte[] _buffer = new byte[1024];
        private int _length;
        private object? _owner;
        private int _step;
        private DocNode? _node;

        public ReadOnlySpan<byte> Text => _buffer.AsSpan(0, _length);

        /// <summary>The Exited event the text was written into (0: written into no event yet).</summary>
        public long EventId { get; set; }

        public bool Matches(object owner, int step, DocNode? node) =>
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
        /// byte what <see cref="Utf8JsonWriter.WriteStringValue(ReadOnlySpan{byte})"/> writes with that encoder
        /// (see <see cref="Execution.JsonText.Escape"/>).
        /// </summary>
        public void Render(object owner, int step, DocNode? node)
        {
            var escaped = Execution.JsonText.WriteUtf8(node, escaped: true);
            EnsureCapacity(escaped.Length + 2, keep: 0);
            _buffer[0] = (byte)'"';
            escaped.CopyTo(_buffer.AsSpan(1));
            var at = escaped.Length + 1;
            _buffer[at++] = (byte)'"';
            _length = at;
            if (_buffer.Length > 1 << 20)
            {
                // Not kept: one huge document must not pin a huge buffer to the thread.
                t_last = null;
            }

            (_owner, _step, _node) = (owner, step, node);
            EventId = 0;
        }

        /// <summary>See <see cref="StateEventDetails.Remember"/>.</summary>
        public void Adopt(object owner, int step, DocNode? node, ReadOnlySpan<byte> escaped)
        {
            EnsureCapacity(escaped.Length + 2, keep: 0);
            _buffer[0] = (byte)'"';
            escaped.CopyTo(_buffer.AsSpan(1));
            _buffer[escaped.Length + 1] = (byte)'"';
            _length = escaped.Length + 2;
            if (_buffer.Length > 1 << 20)
            {
                // Not kept, as in Render.
                t_last = null;
            }

            (_owner, _step, _node) = (owner, step, node);
            EventId = 0;
        }

        /// <summary>
        /// Quotes <paramref name="input"/>, printable ASCII, escaping <c>"</c> and <c>\</c> as the relaxed encoder does.
        /// The text is taken as <paramref name="node"/>'s rendering (step 0 of <paramref name="owner"/>) only when the
        /// input has no backslash and no space outside strings: then its parsed document renders back to exactly
        /// these bytes (a compact writer writes no whitespace; strings without escapes and numbers are copied as
        /// they are). Otherwise the text belongs to no document.
        /// </summary>
        public void QuoteInput(string input, object owner, DocNode? node)
        {
            EnsureCapacity((input.Length * 2) + 2, keep: 0);
            var buffer = _buffer;
            buffer[0] = (byte)'"';
            var at = 1;
            foreach (var c in input)
            {
                if (c is '"' or '\\')
                {
                    buffer[at++] = (byte)'\\';
                }

                buffer[at++] = (byte)c;
            }

            buffer[at++] = (byte)'"';
            _length = at;
            if (_buffer.Length > 1 << 20)
            {
                // Not kept, as in Render.
                t_last = null;
            }

            // Checked apart from the copy, with vectorized searches: the usual input has no backslash and no space.
            var rendersAsIs = !input.Contains('\\') && (!input.Contains(' ') || !HasSpaceOutsideStrings(input));
            (_owner, _step, _node) = rendersAsIs ? (owner, 0, node) : (null, 0, null);
            EventId = 0;
        }

        /// <summary>True when <paramref name="json"/>, text without backslashes, has a space outside its strings.</summary>
        private static bool HasSpaceOutsideStrings(string json)
        {
            var inString = false;
            foreach (var c in json)
            {
                if (c == '"')
                {
                    inString = !inString;
                }
                else if (c == ' ' && !inString)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Makes the text, which is <paramref name="node"/>'s as the input of step <c>step - 1</c>, the text of the
        /// same document as that state's output (the input of <paramref name="step"/>): as it is when the state left
        /// the document unchanged, else with the member <paramref name="appendedName"/> (now the object's last)
        /// added at the end. False when the document is not what that needs (then the caller renders it).
        /// </summary>
        public bool TryBuildOn(int step, InputEdit edit, string? appendedName, DocNode? node)
        {
            if (edit == InputEdit.Appended)
            {
                if (appendedName is null || node is not DocObject obj || !obj.TryGetPropertyValue(appendedName, out var value)
                    || _length < 4 || _buffer[_length - 2] != (byte)'}')
                {
                    return false;
                }

                // "name":value as the writer renders a member inside an object, escaped like the rest of the text.
                var member = Execution.JsonText.WriteMemberUtf8(appendedName, value, escaped: true);
                var at = _length - 2;
                EnsureCapacity(at + member.Length + 3, keep: at);
                if (_length != 4)
                {
                    // Not "{}": the new member follows the others.
                    _buffer[at++] = (byte)',';
                }

                member.CopyTo(_buffer.AsSpan(at));
                at += member.Length;
                _buffer[at++] = (byte)'}';
                _buffer[at++] = (byte)'"';
                _length = at;
                if (_buffer.Length > 1 << 20)
                {
                    // Not kept, as in Render.
                    t_last = null;
                }
            }

            _step = step;
            return true;
        }

        /// <summary>The document's compact text: <see cref="Text"/> without its quotes and the escaping of <c>"</c> and <c>\</c>.</summary>
        public string Unescape()
        {
            var escaped = Text[1..^1];
            byte[]? rented = null;
            var plain = escaped.Length <= 1024 ? stackalloc byte[escaped.Length] : (rented = ArrayPool<byte>.Shared.Rent(escaped.Length));
            var length = 0;
            for (var i = 0; i < escaped.Length; i++)
            {
                // Render escaped only '"' and '\', each as a backslash before it.
                var b = escaped[i];
                if (b == (byte)'\\')
                {
                    b = escaped[++i];
                }

                plain[length++] = b;
            }

            var text = Encoding.UTF8.GetString(plain[..length]);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            return text;
        }

        private void EnsureCapacity(int size, int keep)
        {
            if (_buffer.Length < size)
            {
                var grown = new byte[Math.Max(size, _buffer.Length * 2)];
                _buffer.AsSpan(0, keep).CopyTo(grown);
                _buffer = grown;
            }
        }
    }
}

/// <summary>What a state did to its input document between its Entered and Exited events.</summary>
internal enum InputEdit
{
    /// <summary>Nothing: the document is as it was when the state was entered.</summary>
    None,

    /// <summary>One member was added at the end, under a name the document did not have (ResultPath <c>$.name</c>).</summary>
    Appended,

    /// <summary>Anything else, or not known.</summary>
    Rewritten,
}
