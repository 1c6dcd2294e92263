using System.Buffers;
using System.Text;
using System.Text.Json;

namespace FileUploader.StateMachine.Documents;

/// <summary>
/// Builds a document from JSON text in one pass of <see cref="Utf8JsonReader"/> (RFC 8259, no comments or trailing
/// commas, nesting up to 64 deep as <c>JsonNode.Parse</c>). An object that repeats a member name keeps every member, so
/// it is written back as it came; a lookup sees the last one, as JavaScript's JSON.parse and Jackson (which AWS runs
/// on) do.
/// </summary>
internal static class DocParser
{
    private const int StackLimit = 1024;

    public static DocNode? Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);

        // A UTF-16 character is at most 3 UTF-8 bytes.
        var maxBytes = json.Length * 3;
        byte[]? rented = null;
        var utf8 = maxBytes <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(json, utf8);
            return Parse(utf8[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public static DocNode? Parse(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read())
        {
            throw new JsonException("The input does not contain any JSON tokens.");
        }

        var value = ReadValue(ref reader);

        // Anything but whitespace after the value makes the reader throw here.
        if (reader.Read())
        {
            throw new JsonException($"'{(char)utf8[(int)reader.TokenStartIndex]}' is invalid after a single JSON value.");
        }

        return value;
    }

    private static DocNode? ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new DocObject();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    obj.Append(name, ReadValue(ref reader));
                }

                return obj;
            case JsonTokenType.StartArray:
                var array = new DocArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    array.Add(ReadValue(ref reader));
                }

                return array;
            case JsonTokenType.String:
                return DocValue.Create(reader.GetString());
            case JsonTokenType.Number:
                return DocValue.FromNumberText(Encoding.ASCII.GetString(reader.ValueSpan));
            case JsonTokenType.True:
                return DocValue.True;
            case JsonTokenType.False:
                return DocValue.False;
            case JsonTokenType.Null:
                return null;
            default:
                throw new JsonException($"Unexpected JSON token {reader.TokenType}.");
        }
    }
}
