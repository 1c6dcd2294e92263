using System.Text;
using System.Text.Json;
using FileUploader.StateMachine.Documents;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// Parses an intrinsic function invocation (spec "Intrinsic Functions"): <c>States.Name(arg, …)</c> where an
/// argument is a single-quoted string (<c>\'</c>, <c>\{</c>, <c>\}</c>, <c>\\</c> escapes), a number,
/// <c>true</c>/<c>false</c>/<c>null</c>, a path (<c>$…</c>, <c>$$…</c>, <c>$var…</c>) or a nested invocation.
/// </summary>
internal sealed class IntrinsicParser
{
    /// <summary>AWS: "You can nest up to 10 intrinsic functions within a field".</summary>
    public const int MaxNesting = 10;

    private readonly string _text;
    private int _pos;

    private IntrinsicParser(string text) => _text = text;

    public static CompiledIntrinsic Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new IntrinsicParser(text);
        parser.SkipWhitespace();
        var call = parser.ParseCall(depth: 1);
        parser.SkipWhitespace();
        if (parser._pos != text.Length)
        {
            throw parser.Error($"unexpected '{text[parser._pos]}' after the closing ')'");
        }

        return call;
    }

    private CompiledIntrinsic ParseCall(int depth)
    {
        if (depth > MaxNesting)
        {
            throw Error($"intrinsic functions can be nested at most {MaxNesting} deep");
        }

        var start = _pos;
        if (string.CompareOrdinal(_text, _pos, "States.", 0, 7) != 0)
        {
            throw Error("an intrinsic function must start with 'States.'");
        }

        _pos += 7;
        while (_pos < _text.Length && char.IsAsciiLetterOrDigit(_text[_pos]))
        {
            _pos++;
        }

        var name = _text[start.._pos];
        if (!IntrinsicFunctions.TryGetDefinition(name, out var definition))
        {
            _pos = start;
            throw Error($"unknown intrinsic function '{name}'");
        }

        SkipWhitespace();
        if (_pos >= _text.Length || _text[_pos] != '(')
        {
            throw Error($"expected '(' after '{name}'");
        }

        _pos++;
        var args = new List<IntrinsicArgument>();
        SkipWhitespace();
        if (_pos < _text.Length && _text[_pos] == ')')
        {
            _pos++;
        }
        else
        {
            while (true)
            {
                SkipWhitespace();
                args.Add(ParseArgument(depth));
                SkipWhitespace();
                if (_pos >= _text.Length)
                {
                    throw Error($"missing ')' to close '{name}('");
                }

                var c = _text[_pos++];
                if (c == ')')
                {
                    break;
                }

                if (c != ',')
                {
                    _pos--;
                    throw Error($"expected ',' or ')' but found '{c}'");
                }
            }
        }

        if (args.Count < definition!.MinArgs || args.Count > definition.MaxArgs)
        {
            throw Error($"{name} {definition.ArityText}, but was given {args.Count}");
        }

        var call = new CompiledIntrinsic(_text[start.._pos], definition, [.. args]);
        definition.Check(call.Arguments, message => Error(message));
        return call;
    }

    private IntrinsicArgument ParseArgument(int depth)
    {
        if (_pos >= _text.Length)
        {
            throw Error("expected an argument");
        }

        var c = _text[_pos];
        if (c == '\'')
        {
            return ParseString();
        }

        if (c == '$')
        {
            return ParsePath();
        }

        if (c == 'S')
        {
            return new CallArgument(ParseCall(depth + 1));
        }

        if (c == '-' || char.IsAsciiDigit(c))
        {
            return ParseNumber();
        }

        foreach (var (word, value) in new (string, DocNode?)[] { ("true", DocValue.Create(true)), ("false", DocValue.Create(false)), ("null", null) })
        {
            if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) == 0)
            {
                _pos += word.Length;
                return new LiteralArgument(value);
            }
        }

        throw Error($"unexpected '{c}': an argument must be a 'string', a number, true, false, null, a path or an intrinsic function");
    }

    private StringArgument ParseString()
    {
        _pos++; // opening quote
        var value = new StringBuilder();
        var piece = new StringBuilder();
        var pieces = new List<string>();
        while (_pos < _text.Length)
        {
            var c = _text[_pos++];
            if (c == '\'')
            {
                pieces.Add(piece.ToString());
                return new StringArgument(value.ToString(), [.. pieces]);
            }

            if (c == '\\' && _pos < _text.Length)
            {
                var e = _text[_pos++];
                if (e is '\'' or '{' or '}' or '\\')
                {
                    value.Append(e);
                    piece.Append(e);
                }
                else
                {
                    // Not one of the four reserved characters: keep the backslash, as it is not an escape.
                    value.Append(c).Append(e);
                    piece.Append(c).Append(e);
                }

                continue;
            }

            // An unescaped "{}" is a States.Format placeholder; the pieces between placeholders are kept apart.
            if (c == '{' && _pos < _text.Length && _text[_pos] == '}')
            {
                _pos++;
                value.Append("{}");
                pieces.Add(piece.ToString());
                piece.Clear();
                continue;
            }

            value.Append(c);
            piece.Append(c);
        }

        throw Error("unterminated string literal (no closing quote)");
    }

    private PathArgument ParsePath()
    {
        var start = _pos;
        var brackets = 0;
        var parens = 0;
        char quote = '\0';
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (quote != '\0')
            {
                if (c == '\\')
                {
                    _pos++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '\'' or '"' && brackets > 0)
            {
                quote = c;
            }
            else if (c == '[')
            {
                brackets++;
            }
            else if (c == ']')
            {
                brackets--;
            }
            else if (c == '(')
            {
                parens++;
            }
            else if (c == ')')
            {
                if (parens == 0 && brackets == 0)
                {
                    break;
                }

                parens--;
            }
            else if (c == ',' && brackets == 0 && parens == 0)
            {
                break;
            }

            _pos++;
        }

        var text = _text[start.._pos].TrimEnd();
        try
        {
            return new PathArgument(JsonPathQuery.Compile(text));
        }
        catch (PathSyntaxException ex)
        {
            _pos = start;
            throw Error(ex.Message);
        }
    }

    private LiteralArgument ParseNumber()
    {
        var start = _pos;
        _pos++;
        while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] is '.' or 'e' or 'E' or '+' or '-'))
        {
            _pos++;
        }

        var token = _text[start.._pos];
        try
        {
            if (DocNode.Parse(token) is DocValue v && v.GetValueKind() == JsonValueKind.Number)
            {
                return new LiteralArgument(v);
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        _pos = start;
        throw Error($"invalid number '{token}'");
    }

    private void SkipWhitespace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private PathSyntaxException Error(string reason) =>
        new($"Invalid intrinsic function '{_text}': {reason} (at position {_pos}).");
}

/// <summary>An argument of an intrinsic invocation, evaluated per call.</summary>
internal abstract class IntrinsicArgument
{
    /// <summary>
    /// The argument's value. It may be a node inside the input or a shared literal: treat it as borrowed and
    /// clone before attaching it to a result.
    /// </summary>
    public abstract DocNode? Evaluate(PathContext ctx, string? fieldName);
}

/// <summary>A quoted string literal; <see cref="FormatPieces"/> are its parts between unescaped <c>{}</c>.</summary>
internal sealed class StringArgument(string value, string[] formatPieces) : IntrinsicArgument
{
    private readonly DocNode _node = DocValue.Create(value);

    public string Value { get; } = value;

    public IReadOnlyList<string> FormatPieces { get; } = formatPieces;

    public override DocNode? Evaluate(PathContext ctx, string? fieldName) => _node;
}

internal sealed class LiteralArgument(DocNode? value) : IntrinsicArgument
{
    public DocNode? Value { get; } = value;

    public override DocNode? Evaluate(PathContext ctx, string? fieldName) => Value;
}

internal sealed class PathArgument(CompiledJsonPath path) : IntrinsicArgument
{
    public CompiledJsonPath Path { get; } = path;

    public override DocNode? Evaluate(PathContext ctx, string? fieldName)
    {
        if (Path.TrySelect(ctx, out var value))
        {
            return value;
        }

        throw Path.NotFound(ctx, fieldName);
    }
}

internal sealed class CallArgument(CompiledIntrinsic call) : IntrinsicArgument
{
    public override DocNode? Evaluate(PathContext ctx, string? fieldName) => call.Evaluate(ctx, fieldName);
}
