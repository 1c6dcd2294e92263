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
        if (TryParseSimple(json, out var simple))
        {
            return simple;
        }

        return ParseAsUtf8(json);
    }

    /// <summary>
    /// Reads the usual document straight from the text: every string without escapes or surrogates, nesting within the
    /// reader's limit, no byte out of place. False for anything else, and then <see cref="ParseAsUtf8"/> reads it (or
    /// throws its error): so the tree is always the one the reader would build, and every error is the reader's. The
    /// reader works on UTF-8 and checks far more cases per token; for a state machine's small inputs this path took
    /// about a sixth of a 5-state execution.
    /// </summary>
    internal static bool TryParseSimple(string json, out DocNode? value)
    {
        var parser = new SimpleParser(json);
        return parser.TryRead(out value);
    }

    /// <summary>Through <see cref="Utf8JsonReader"/>: every document, and the error for any text that is not one.</summary>
    internal static DocNode? ParseAsUtf8(string json)
    {
        // A UTF-16 character is at most 3 UTF-8 bytes: a short text fits the stack buffer uncounted; a long one is
        // counted (three times its length could overflow an int).
        var size = json.Length <= StackLimit / 3 ? StackLimit : Encoding.UTF8.GetByteCount(json);
        byte[]? rented = null;
        var utf8 = size <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(size));
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
        // Empty or blank text makes the reader throw here.
        var reader = new Utf8JsonReader(utf8);
        reader.Read();
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

    /// <summary>The reader of <see cref="TryParseSimple"/>: gives up (false) at the first thing it does not handle.</summary>
    private ref struct SimpleParser(string text)
    {
        // Utf8JsonReader's default: a 65th level of nesting is an error.
        private const int MaxDepth = 64;

        private readonly string _text = text;
        private int _at;
        private int _depth;

        public bool TryRead(out DocNode? value) => TryValue(out value) && SkipWhitespace() == _text.Length;

        private bool TryValue(out DocNode? value)
        {
            value = null;
            if (SkipWhitespace() >= _text.Length)
            {
                return false;
            }

            switch (_text[_at])
            {
                case '{':
                    return TryObject(out value);
                case '[':
                    return TryArray(out value);
                case '"':
                    if (!TryString(out var text))
                    {
                        return false;
                    }

                    value = DocValue.Create(text);
                    return true;
                case 't':
                    value = DocValue.True;
                    return TryLiteral("true");
                case 'f':
                    value = DocValue.False;
                    return TryLiteral("false");
                case 'n':
                    return TryLiteral("null");
                default:
                    return TryNumber(out value);
            }
        }

        private bool TryObject(out DocNode? value)
        {
            value = null;
            if (++_depth > MaxDepth)
            {
                return false;
            }

            var obj = new DocObject();
            _at++;
            if (SkipWhitespace() < _text.Length && _text[_at] == '}')
            {
                _at++;
                _depth--;
                value = obj;
                return true;
            }

            while (true)
            {
                if (SkipWhitespace() >= _text.Length || _text[_at] != '"' || !TryString(out var name)
                    || SkipWhitespace() >= _text.Length || _text[_at++] != ':'
                    || !TryValue(out var member))
                {
                    return false;
                }

                // A repeated name is kept, as the reader's path keeps it.
                obj.Append(name, member);
                if (SkipWhitespace() >= _text.Length)
                {
                    return false;
                }

                var next = _text[_at++];
                if (next == '}')
                {
                    _depth--;
                    value = obj;
                    return true;
                }

                if (next != ',')
                {
                    return false;
                }
            }
        }

        private bool TryArray(out DocNode? value)
        {
            value = null;
            if (++_depth > MaxDepth)
            {
                return false;
            }

            var array = new DocArray();
            _at++;
            if (SkipWhitespace() < _text.Length && _text[_at] == ']')
            {
                _at++;
                _depth--;
                value = array;
                return true;
            }

            while (true)
            {
                if (!TryValue(out var item))
                {
                    return false;
                }

                array.Add(item);
                if (SkipWhitespace() >= _text.Length)
                {
                    return false;
                }

                var next = _text[_at++];
                if (next == ']')
                {
                    _depth--;
                    value = array;
                    return true;
                }

                if (next != ',')
                {
                    return false;
                }
            }
        }

        /// <summary>
        /// A string of characters that are the same after the round trip through UTF-8 and the reader: no escape (the
        /// reader decodes those), no control character (an error), no surrogate (a lone one becomes U+FFFD on the way).
        /// </summary>
        private bool TryString(out string text)
        {
            text = string.Empty;
            var start = ++_at;
            while (_at < _text.Length)
            {
                var c = _text[_at];
                if (c == '"')
                {
                    text = _text.Substring(start, _at - start);
                    _at++;
                    return true;
                }

                if (c < ' ' || c == '\\' || char.IsSurrogate(c))
                {
                    return false;
                }

                _at++;
            }

            return false;
        }

        /// <summary>RFC 8259's number: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>, kept as its text.</summary>
        private bool TryNumber(out DocNode? value)
        {
            value = null;
            var start = _at;
            if (Peek() == '-')
            {
                _at++;
            }

            if (Peek() == '0')
            {
                _at++;
            }
            else if (!TryDigits())
            {
                return false;
            }

            if (Peek() == '.')
            {
                _at++;
                if (!TryDigits())
                {
                    return false;
                }
            }

            if (Peek() is 'e' or 'E')
            {
                _at++;
                if (Peek() is '+' or '-')
                {
                    _at++;
                }

                if (!TryDigits())
                {
                    return false;
                }
            }

            value = DocValue.FromNumberText(_text.Substring(start, _at - start));
            return true;
        }

        private bool TryDigits()
        {
            var start = _at;
            while (char.IsAsciiDigit(Peek()))
            {
                _at++;
            }

            return _at > start;
        }

        private readonly char Peek() => _at < _text.Length ? _text[_at] : '\0';

        private bool TryLiteral(string literal)
        {
            if (string.CompareOrdinal(_text, _at, literal, 0, literal.Length) != 0)
            {
                return false;
            }

            _at += literal.Length;
            return true;
        }

        private int SkipWhitespace()
        {
            while (_at < _text.Length && _text[_at] is ' ' or '\t' or '\n' or '\r')
            {
                _at++;
            }

            return _at;
        }
    }
}
