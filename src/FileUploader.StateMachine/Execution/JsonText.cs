using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Execution;

/// <summary>
/// Compact JSON text of a state's input or output, as AWS prints it (no HTML escaping). Reuses one writer and
/// buffer per thread because the engine serializes every state's output for its history event.
/// </summary>
internal static class JsonText
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static string Write(JsonNode? node) => Encoding.UTF8.GetString(WriteUtf8(node));

    /// <summary>
    /// The UTF-8 text of <paramref name="node"/> in this thread's buffer: valid until the next call on the same
    /// thread, so copy or consume it at once (history events embed it without making a string).
    /// </summary>
    public static ReadOnlySpan<byte> WriteUtf8(JsonNode? node)
    {
        var writer = StartWriting(out var buffer);
        WriteValue(writer, node);
        return Finish(writer, buffer);
    }

    /// <summary>
    /// The UTF-8 text of one object member, <c>"name":value</c>, exactly as it appears inside the object's own text;
    /// in this thread's buffer, like <see cref="WriteUtf8"/>.
    /// </summary>
    public static ReadOnlySpan<byte> WriteMemberUtf8(string name, JsonNode? value)
    {
        var writer = StartWriting(out var buffer);
        writer.WriteStartObject();
        writer.WritePropertyName(name);
        WriteValue(writer, value);
        writer.WriteEndObject();
        var text = Finish(writer, buffer);
        return text[1..^1];
    }

    private static Utf8JsonWriter StartWriting(out ArrayBufferWriter<byte> buffer)
    {
        buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, Options);
        writer.Reset(buffer);
        return writer;
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonNode? node)
    {
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer);
        }
    }

    private static ReadOnlySpan<byte> Finish(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer)
    {
        writer.Flush();
        var text = buffer.WrittenSpan;
        if (buffer.Capacity > 1 << 20)
        {
            // Do not keep a huge buffer alive on the thread after one big document (the span keeps it alive until used).
            t_buffer = null;
            t_writer = null;
        }

        return text;
    }
}
