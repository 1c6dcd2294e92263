using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FileUploader.StateMachine.Documents;

namespace FileUploader.StateMachine.Execution;

/// <summary>
/// Compact JSON text of a state's input or output, as AWS prints it (no HTML escaping): byte for byte what a
/// <see cref="Utf8JsonWriter"/> with the relaxed encoder writes. Reuses one buffer per thread because the engine
/// renders every state's output for its history event.
/// </summary>
/// <remarks>
/// The usual document is written here directly: objects, arrays, numbers and literals as the parsed input holds
/// them, and names and strings of printable ASCII without <c>"</c> or <c>\</c>, which the writer copies unchanged.
/// Every other value (an escape, a character the encoder may escape, a number held as a .NET number) is written by
/// the writer itself, so the rules stay the writer's. Going through the writer for the whole document was most of
/// the cost of a state's history event.
/// </remarks>
internal static class JsonText
{
    // Deeper documents are left to the writer whole, so its own depth limit applies to them as before.
    private const int MaxDirectDepth = 64;

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static Utf8Buffer? t_buffer;

    [ThreadStatic]
    private static Utf8Buffer? t_scratch;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static string Write(DocNode? node) => Encoding.UTF8.GetString(WriteUtf8(node));

    /// <summary>
    /// The UTF-8 text of <paramref name="node"/> in this thread's buffer: valid until the next call on the same
    /// thread, so copy or consume it at once (history events embed it without making a string). With
    /// <paramref name="escaped"/>, the text as the inside of a JSON string instead: each <c>"</c> and <c>\</c> preceded
    /// by a backslash (see <see cref="Escape"/>).
    /// </summary>
    public static ReadOnlySpan<byte> WriteUtf8(DocNode? node, bool escaped = false)
    {
        var buffer = StartWriting();
        if (!TryWriteNode(buffer, node, escaped, depth: 0))
        {
            buffer.Clear();
            WriteWithWriter(buffer, memberName: null, node, escaped);
        }

        return Finish(buffer);
    }

    /// <summary>
    /// The UTF-8 text of one object member, <c>"name":value</c>, exactly as it appears inside the object's own text;
    /// in this thread's buffer, like <see cref="WriteUtf8"/> (escaped the same way with <paramref name="escaped"/>).
    /// </summary>
    public static ReadOnlySpan<byte> WriteMemberUtf8(string name, DocNode? value, bool escaped = false)
    {
        var buffer = StartWriting();
        WriteName(buffer, name, escaped);
        buffer.Append((byte)':');
        if (!TryWriteNode(buffer, value, escaped, depth: 1))
        {
            // Inside an object, as the writer counts the depth.
            buffer.Clear();
            WriteWithWriter(buffer, name, value, escaped);
            return Finish(buffer)[1..^1];
        }

        return Finish(buffer);
    }

    /// <summary>
    /// Copies JSON text escaped as the inside of a JSON string with only <c>"</c> and <c>\</c> escaped: everything
    /// else the relaxed encoder would escape is already escaped inside compact JSON text, so this is byte for byte
    /// what <see cref="Utf8JsonWriter.WriteStringValue(ReadOnlySpan{byte})"/> writes with that encoder. Answers the
    /// position in <paramref name="output"/> after it; the caller makes room for twice the text.
    /// </summary>
    public static int Escape(ReadOnlySpan<byte> text, Span<byte> output, int at)
    {
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

        return at;
    }

    /// <summary>Writes <paramref name="node"/> directly; false (part written) when it needs the writer as a whole.</summary>
    private static bool TryWriteNode(Utf8Buffer buffer, DocNode? node, bool escaped, int depth)
    {
        switch (node)
        {
            case null:
                buffer.Append("null"u8);
                return true;
            case DocObject obj:
                if (depth >= MaxDirectDepth)
                {
                    return false;
                }

                var count = obj.Count;

                buffer.Append((byte)'{');
                for (var i = 0; i < count; i++)
                {
                    if (i > 0)
                    {
                        buffer.Append((byte)',');
                    }

                    var (name, value) = obj.GetAt(i);
                    WriteName(buffer, name, escaped);
                    buffer.Append((byte)':');
                    if (!TryWriteNode(buffer, value, escaped, depth + 1))
                    {
                        return false;
                    }
                }

                buffer.Append((byte)'}');
                return true;
            case DocArray array:
                if (depth >= MaxDirectDepth)
                {
                    return false;
                }

                buffer.Append((byte)'[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        buffer.Append((byte)',');
                    }

                    if (!TryWriteNode(buffer, array[i], escaped, depth + 1))
                    {
                        return false;
                    }
                }

                buffer.Append((byte)']');
                return true;
            default:
                WriteValue(buffer, (DocValue)node, escaped);
                return true;
        }
    }

    private static void WriteValue(Utf8Buffer buffer, DocValue value, bool escaped)
    {
        switch (value.Kind)
        {
            case JsonValueKind.Number:
                // Its text is ASCII JSON (as parsed, or as the writer formats a .NET number), copied as the writer would.
                buffer.AppendAscii(value.NumberText);
                return;
            case JsonValueKind.True:
                buffer.Append("true"u8);
                return;
            case JsonValueKind.False:
                buffer.Append("false"u8);
                return;
        }

        if (!buffer.TryAppendPlain(value.GetValue<string>(), escaped))
        {
            WriteWithWriter(buffer, memberName: null, value, escaped);
        }
    }

    private static void WriteName(Utf8Buffer buffer, string name, bool escaped)
    {
        if (buffer.TryAppendPlain(name, escaped))
        {
            return;
        }

        // As the writer escapes a property name (the same encoder); rare enough to encode each time.
        var encoded = JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes;
        if (escaped)
        {
            buffer.Append("\\\""u8);
            buffer.AppendEscaped(encoded);
            buffer.Append("\\\""u8);
        }
        else
        {
            buffer.Append((byte)'"');
            buffer.Append(encoded);
            buffer.Append((byte)'"');
        }
    }

    /// <summary>
    /// The writer's own rendering of <paramref name="node"/> (with <paramref name="memberName"/>, of the object
    /// <c>{"name":node}</c>), escaped when asked.
    /// </summary>
    private static void WriteWithWriter(Utf8Buffer buffer, string? memberName, DocNode? node, bool escaped)
    {
        var target = escaped ? t_scratch ??= new Utf8Buffer(256) : buffer;
        if (escaped)
        {
            target.Clear();
        }

        var writer = t_writer ??= new Utf8JsonWriter(target, Options);
        writer.Reset(target);
        if (memberName is not null)
        {
            writer.WriteStartObject();
            writer.WritePropertyName(memberName);
        }

        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer);
        }

        if (memberName is not null)
        {
            writer.WriteEndObject();
        }

        writer.Flush();
        if (escaped)
        {
            buffer.AppendEscaped(target.Written);
            if (target.Capacity > 1 << 20)
            {
                // Not kept, as in Finish.
                t_scratch = null;
            }
        }
    }

    private static Utf8Buffer StartWriting()
    {
        var buffer = t_buffer ??= new Utf8Buffer(1024);
        buffer.Clear();
        return buffer;
    }

    private static ReadOnlySpan<byte> Finish(Utf8Buffer buffer)
    {
        var text = buffer.Written;
        if (buffer.Capacity > 1 << 20)
        {
            // Do not keep a huge buffer alive on the thread after one big document (the span keeps it alive until used).
            t_buffer = null;
            t_writer = null;
        }

        return text;
    }

    /// <summary>
    /// A growable byte buffer written here with as few checks as a short value allows (going through
    /// <see cref="IBufferWriter{T}"/> per token was a visible share of a render), and by the writer for the rest.
    /// </summary>
    private sealed class Utf8Buffer(int capacity) : IBufferWriter<byte>
    {
        private byte[] _bytes = new byte[capacity];
        private int _length;

        public ReadOnlySpan<byte> Written => _bytes.AsSpan(0, _length);

        public int Capacity => _bytes.Length;

        public void Clear() => _length = 0;

        public void Append(byte b)
        {
            if (_length == _bytes.Length)
            {
                Grow(1);
            }

            _bytes[_length++] = b;
        }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(Reserve(bytes.Length));
            _length += bytes.Length;
        }

        /// <summary>
        /// Appends <paramref name="text"/> as a JSON string (<c>"text"</c>, or <c>\"text\"</c> when
        /// <paramref name="escaped"/>) when it is plain: printable ASCII without <c>"</c> or <c>\</c>, which the
        /// writer copies unchanged. False, with nothing appended, otherwise. Checked while copying: the usual text is
        /// a short name or value, for which one loop is cheaper than vectorized searches.
        /// </summary>
        public bool TryAppendPlain(ReadOnlySpan<char> text, bool escaped)
        {
            var span = Reserve(text.Length + 4);
            var at = Quote(span, 0, escaped);
            foreach (var c in text)
            {
                if (c is < ' ' or > '~' or '"' or '\\')
                {
                    return false;
                }

                span[at++] = (byte)c;
            }

            _length += Quote(span, at, escaped);
            return true;
        }

        /// <summary>As the other overload, for UTF-8 text.</summary>
        public bool TryAppendPlain(ReadOnlySpan<byte> text, bool escaped)
        {
            var span = Reserve(text.Length + 4);
            var at = Quote(span, 0, escaped);
            foreach (var b in text)
            {
                if (b is < (byte)' ' or > (byte)'~' or (byte)'"' or (byte)'\\')
                {
                    return false;
                }

                span[at++] = b;
            }

            _length += Quote(span, at, escaped);
            return true;
        }

        /// <summary>Appends ASCII text as it is (a number's JSON text).</summary>
        public void AppendAscii(string text)
        {
            var span = Reserve(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                span[i] = (byte)text[i];
            }

            _length += text.Length;
        }

        /// <summary><paramref name="text"/> as <see cref="Escape"/> copies it.</summary>
        public void AppendEscaped(ReadOnlySpan<byte> text) => _length += Escape(text, Reserve(text.Length * 2), 0);

        public void Advance(int count) => _length += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Reserve(Math.Max(sizeHint, 1));
            return _bytes.AsMemory(_length);
        }

        public Span<byte> GetSpan(int sizeHint = 0) => Reserve(Math.Max(sizeHint, 1));

        private static int Quote(Span<byte> span, int at, bool escaped)
        {
            if (escaped)
            {
                span[at++] = (byte)'\\';
            }

            span[at++] = (byte)'"';
            return at;
        }

        /// <summary>The free space after the text, at least <paramref name="size"/> bytes.</summary>
        private Span<byte> Reserve(int size)
        {
            if (_bytes.Length - _length < size)
            {
                Grow(size);
            }

            return _bytes.AsSpan(_length);
        }

        private void Grow(int size) => Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + size));
    }
}
