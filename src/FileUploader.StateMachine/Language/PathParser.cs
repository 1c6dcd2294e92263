using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FileUploader.StateMachine.Documents;

namespace FileUploader.StateMachine.Language;

/// <summary>A path split into its root (<c>$</c>, <c>$$</c>, <c>$name</c>) and its steps.</summary>
internal sealed record ParsedPath(PathRoot Root, string? VariableName, PathProgram Program);

/// <summary>
/// Recursive-descent parser for JSONPath as AWS accepts it (Jayway's dialect): dot and bracket names, indexes,
/// <c>*</c>, <c>..</c>, slices, unions, filters and a trailing function. In reference mode (spec "Reference
/// Paths") only single-node steps are allowed: <c>.name</c>, <c>['name']</c> and <c>[n]</c>.
/// </summary>
internal sealed class PathParser
{
    private readonly string _text;
    private readonly bool _referenceOnly;
    private int _pos;

    private PathParser(string text, bool referenceOnly)
    {
        _text = text;
        _referenceOnly = referenceOnly;
    }

    public static ParsedPath Parse(string text, bool referenceOnly)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new PathParser(text, referenceOnly);
        var path = parser.ParseAbsolute(inFilter: false);
        if (parser._pos != text.Length)
        {
            throw parser.Error($"unexpected character '{text[parser._pos]}'");
        }

        return path;
    }

    private ParsedPath ParseAbsolute(bool inFilter)
    {
        if (_pos >= _text.Length)
        {
            throw Error("a path must start with '$'");
        }

        if (_text[_pos] != '$')
        {
            throw Error("a path must start with '$'");
        }

        _pos++;
        var root = PathRoot.Input;
        string? variable = null;
        if (_pos < _text.Length && _text[_pos] == '$')
        {
            _pos++;
            root = PathRoot.Context;
        }
        else if (_pos < _text.Length && IsIdentifierStart(_text[_pos]))
        {
            var start = _pos;
            while (_pos < _text.Length && IsIdentifierPart(_text[_pos]))
            {
                _pos++;
            }

            root = PathRoot.Variable;
            variable = _text[start.._pos];
        }

        var program = ParseSteps(inFilter);
        return new ParsedPath(root, variable, program);
    }

    private PathProgram ParseSteps(bool inFilter)
    {
        var segments = new List<PathSegment>();
        PathFunction? function = null;
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '.')
            {
                if (Peek(1) == '.')
                {
                    if (_referenceOnly)
                    {
                        throw Error("reference paths may not use the deep scan operator '..'");
                    }

                    _pos += 2;
                    segments.Add(new DeepScanSegment(ParseDeepScanTarget(inFilter)));
                    continue;
                }

                _pos++;
                if (_pos < _text.Length && _text[_pos] == '*')
                {
                    RejectInReference("wildcards ('*')");
                    _pos++;
                    segments.Add(WildcardSegment.Instance);
                    continue;
                }

                var name = ReadDotName(inFilter);
                if (name.Length == 0)
                {
                    throw Error("expected a name after '.'");
                }

                if (_pos < _text.Length && _text[_pos] == '(')
                {
                    function = ParseFunction(name);
                    break;
                }

                segments.Add(new NameSegment(name));
            }
            else if (c == '[')
            {
                segments.Add(ParseBracket());
            }
            else if (inFilter)
            {
                break;
            }
            else
            {
                throw Error($"unexpected character '{c}'");
            }
        }

        return new PathProgram([.. segments], function);
    }

    private PathFunction ParseFunction(string name)
    {
        RejectInReference("functions");
        if (Peek(1) != ')')
        {
            throw Error($"path functions take no arguments: expected '{name}()'");
        }

        _pos += 2;
        if (!PathFunction.TryCreate(name, out var function))
        {
            throw Error($"unknown path function '{name}()'");
        }

        return function!;
    }

    private PathSegment ParseDeepScanTarget(bool inFilter)
    {
        if (_pos >= _text.Length)
        {
            throw Error("expected a name, '*' or '[' after '..'");
        }

        if (_text[_pos] == '*')
        {
            _pos++;
            return WildcardSegment.Instance;
        }

        if (_text[_pos] == '[')
        {
            return ParseBracket();
        }

        var name = ReadDotName(inFilter);
        if (name.Length == 0)
        {
            throw Error("expected a name, '*' or '[' after '..'");
        }

        return new NameSegment(name);
    }

    // Spec "Reference Paths" allows a backslash to escape any character of a dot-notation name:
    // "$.store\.book" names the field "store.book", "$.\stor\e" the field "store".
    private string ReadDotName(bool inFilter)
    {
        var start = _pos;
        StringBuilder? escaped = null;
        while (_pos < _text.Length && !IsNameTerminator(_text[_pos], inFilter))
        {
            if (_text[_pos] == '\\' && _pos + 1 < _text.Length)
            {
                escaped ??= new StringBuilder().Append(_text, start, _pos - start);
                escaped.Append(_text[_pos + 1]);
                _pos += 2;
                continue;
            }

            escaped?.Append(_text[_pos]);
            _pos++;
        }

        return escaped?.ToString() ?? _text[start.._pos];
    }

    private static bool IsNameTerminator(char c, bool inFilter)
    {
        if (c is '.' or '[' or ']' or '(')
        {
            return true;
        }

        return inFilter && (char.IsWhiteSpace(c) || c is ')' or '=' or '!' or '<' or '>' or '&' or '|' or ',');
    }

    private PathSegment ParseBracket()
    {
        _pos++; // '['
        SkipWhitespace();
        if (_pos >= _text.Length)
        {
            throw Error("unterminated '['");
        }

        var c = _text[_pos];
        PathSegment segment;
        if (c == '*')
        {
            RejectInReference("wildcards ('*')");
            _pos++;
            segment = WildcardSegment.Instance;
        }
        else if (c == '?')
        {
            RejectInReference("filters ('[?(...)]')");
            _pos++;
            segment = new FilterSegment(ParseOr());
        }
        else if (c is '\'' or '"')
        {
            var names = new List<string> { ReadQuoted() };
            SkipWhitespace();
            while (_pos < _text.Length && _text[_pos] == ',')
            {
                RejectInReference("unions ('[a,b]')");
                _pos++;
                SkipWhitespace();
                if (_pos >= _text.Length || _text[_pos] is not ('\'' or '"'))
                {
                    throw Error("expected a quoted name in the union");
                }

                names.Add(ReadQuoted());
                SkipWhitespace();
            }

            segment = names.Count == 1 ? new NameSegment(names[0]) : new NameUnionSegment([.. names]);
        }
        else if (c is '-' or ':' || char.IsAsciiDigit(c))
        {
            segment = ParseIndexes();
        }
        else if (c == '(' && !_referenceOnly)
        {
            segment = ParseLengthOffset();
        }
        else
        {
            throw Error($"unexpected character '{c}' in brackets");
        }

        SkipWhitespace();
        if (_pos >= _text.Length || _text[_pos] != ']')
        {
            throw Error("expected ']'");
        }

        _pos++;
        return segment;
    }

    /// <summary>Jayway's script index <c>[(@.length-n)]</c>: the n-th element from the end.</summary>
    private IndexSegment ParseLengthOffset()
    {
        _pos++; // '('
        SkipWhitespace();
        if (!TryConsume("@.length"))
        {
            throw Error("only '(@.length-n)' is supported as a script index");
        }

        SkipWhitespace();
        if (!TryConsume("-"))
        {
            throw Error("expected '-' in '(@.length-n)'");
        }

        SkipWhitespace();
        var offset = TryReadInt();
        if (offset is not > 0)
        {
            throw Error("expected a positive number in '(@.length-n)'");
        }

        SkipWhitespace();
        if (!TryConsume(")"))
        {
            throw Error("expected ')' in '(@.length-n)'");
        }

        return new IndexSegment(-offset.Value);
    }

    private PathSegment ParseIndexes()
    {
        var first = TryReadInt();
        SkipWhitespace();
        if (_pos < _text.Length && _text[_pos] == ':')
        {
            RejectInReference("slices ('[a:b]')");
            _pos++;
            SkipWhitespace();
            var end = TryReadInt();
            SkipWhitespace();
            var step = 1;
            if (_pos < _text.Length && _text[_pos] == ':')
            {
                _pos++;
                SkipWhitespace();
                step = TryReadInt() ?? 1;
                if (step == 0)
                {
                    throw Error("a slice step cannot be 0");
                }
            }

            return new SliceSegment(first, end, step);
        }

        if (first is null)
        {
            throw Error("expected an index");
        }

        if (_pos < _text.Length && _text[_pos] == ',')
        {
            RejectInReference("unions ('[a,b]')");
            var indexes = new List<int> { first.Value };
            while (_pos < _text.Length && _text[_pos] == ',')
            {
                _pos++;
                SkipWhitespace();
                indexes.Add(TryReadInt() ?? throw Error("expected an index in the union"));
                SkipWhitespace();
            }

            return new IndexUnionSegment([.. indexes]);
        }

        return new IndexSegment(first.Value);
    }

    private int? TryReadInt()
    {
        var start = _pos;
        if (_pos < _text.Length && _text[_pos] == '-')
        {
            _pos++;
        }

        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }

        if (_pos == start)
        {
            return null;
        }

        if (!int.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            _pos = start;
            throw Error("invalid index");
        }

        return value;
    }

    private string ReadQuoted()
    {
        var quote = _text[_pos];
        _pos++;
        var sb = new StringBuilder();
        while (_pos < _text.Length)
        {
            var c = _text[_pos++];
            if (c == quote)
            {
                return sb.ToString();
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (_pos >= _text.Length)
            {
                break;
            }

            var e = _text[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u' when _pos + 4 <= _text.Length
                    && int.TryParse(_text.AsSpan(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code):
                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default: sb.Append(e); break;
            }
        }

        throw Error("unterminated quoted name");
    }

    // ---- filter expressions: or := and ('||' and)*; and := unary ('&&' unary)*; unary := '!' unary | '(' or ')' | comparison

    private FilterExpression ParseOr()
    {
        var left = ParseAnd();
        while (true)
        {
            SkipWhitespace();
            if (!TryConsume("||"))
            {
                return left;
            }

            left = new OrFilter(left, ParseAnd());
        }
    }

    private FilterExpression ParseAnd()
    {
        var left = ParseUnary();
        while (true)
        {
            SkipWhitespace();
            if (!TryConsume("&&"))
            {
                return left;
            }

            left = new AndFilter(left, ParseUnary());
        }
    }

    private FilterExpression ParseUnary()
    {
        SkipWhitespace();
        if (_pos >= _text.Length)
        {
            throw Error("unterminated filter expression");
        }

        if (_text[_pos] == '!' && Peek(1) != '=')
        {
            _pos++;
            return new NotFilter(ParseUnary());
        }

        if (_text[_pos] == '(')
        {
            _pos++;
            var inner = ParseOr();
            SkipWhitespace();
            if (!TryConsume(")"))
            {
                throw Error("expected ')' in filter expression");
            }

            return inner;
        }

        var left = ParseOperand();
        SkipWhitespace();
        if (TryConsume("=~"))
        {
            SkipWhitespace();
            return new RegexFilter(left, ReadRegex());
        }

        if (TryConsumeWord("nin"))
        {
            return new InFilter(left, ParseOperand(), negate: true);
        }

        if (TryConsumeWord("in"))
        {
            return new InFilter(left, ParseOperand(), negate: false);
        }

        FilterOperator? op = null;
        if (TryConsume("==="))
        {
            op = FilterOperator.Equal;
        }
        else if (TryConsume("!=="))
        {
            op = FilterOperator.NotEqual;
        }
        else if (TryConsume("=="))
        {
            op = FilterOperator.Equal;
        }
        else if (TryConsume("!="))
        {
            op = FilterOperator.NotEqual;
        }
        else if (TryConsume("<="))
        {
            op = FilterOperator.LessOrEqual;
        }
        else if (TryConsume(">="))
        {
            op = FilterOperator.GreaterOrEqual;
        }
        else if (TryConsume("<"))
        {
            op = FilterOperator.Less;
        }
        else if (TryConsume(">"))
        {
            op = FilterOperator.Greater;
        }

        if (op is null)
        {
            return new ExistsFilter(left);
        }

        var right = ParseOperand();
        return new ComparisonFilter(op.Value, left, right);
    }

    private FilterOperand ParseOperand()
    {
        SkipWhitespace();
        if (_pos >= _text.Length)
        {
            throw Error("expected an operand in filter expression");
        }

        var c = _text[_pos];
        switch (c)
        {
            case '@':
                _pos++;
                return new RelativePathOperand(ParseSteps(inFilter: true));
            case '$':
                var start = _pos;
                var parsed = ParseAbsolute(inFilter: true);
                return new AbsolutePathOperand(new CompiledJsonPath(_text[start.._pos], parsed));
            case '\'' or '"':
                return new LiteralOperand(DocValue.Create(ReadQuoted()));
        }

        if (c == '-' || char.IsAsciiDigit(c))
        {
            return new LiteralOperand(ReadNumber());
        }

        if (c == '[')
        {
            return new LiteralOperand(ReadLiteralList());
        }

        if (TryConsumeWord("true"))
        {
            return new LiteralOperand(DocValue.Create(true));
        }

        if (TryConsumeWord("false"))
        {
            return new LiteralOperand(DocValue.Create(false));
        }

        if (TryConsumeWord("null"))
        {
            return new LiteralOperand(null);
        }

        throw Error($"unexpected character '{c}' in filter expression");
    }

    /// <summary>A list of literals for <c>in</c> / <c>nin</c>: <c>['a', "b", 1, true, null]</c>.</summary>
    private DocArray ReadLiteralList()
    {
        _pos++; // '['
        var list = new DocArray();
        SkipWhitespace();
        if (TryConsume("]"))
        {
            return list;
        }

        while (true)
        {
            var item = ParseOperand();
            if (item is not LiteralOperand literal)
            {
                throw Error("a list may only hold literals");
            }

            list.Add(literal.Value?.DeepClone());
            SkipWhitespace();
            if (TryConsume("]"))
            {
                return list;
            }

            if (!TryConsume(","))
            {
                throw Error("expected ',' or ']' in the list");
            }
        }
    }

    private DocNode ReadNumber()
    {
        var start = _pos;
        if (_text[_pos] == '-')
        {
            _pos++;
        }

        while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] is '.' or 'e' or 'E' or '+'
            || (_text[_pos] == '-' && _text[_pos - 1] is 'e' or 'E')))
        {
            _pos++;
        }

        var token = _text[start.._pos];
        try
        {
            var node = DocNode.Parse(token);
            if (node is DocValue v && v.GetValueKind() == JsonValueKind.Number)
            {
                return node;
            }
        }
        catch (JsonException)
        {
            // Reported below with the path and position.
        }

        _pos = start;
        throw Error($"invalid number '{token}'");
    }

    private Regex ReadRegex()
    {
        if (_pos >= _text.Length || _text[_pos] != '/')
        {
            throw Error("expected a /regex/ after '=~'");
        }

        _pos++;
        var sb = new StringBuilder();
        while (_pos < _text.Length && _text[_pos] != '/')
        {
            if (_text[_pos] == '\\' && Peek(1) == '/')
            {
                _pos++;
            }

            sb.Append(_text[_pos++]);
        }

        if (_pos >= _text.Length)
        {
            throw Error("unterminated /regex/");
        }

        _pos++;
        var options = RegexOptions.CultureInvariant;
        while (_pos < _text.Length && char.IsAsciiLetterLower(_text[_pos]))
        {
            options |= _text[_pos] switch
            {
                'i' => RegexOptions.IgnoreCase,
                'm' => RegexOptions.Multiline,
                's' => RegexOptions.Singleline,
                _ => throw Error($"unknown regex flag '{_text[_pos]}'"),
            };
            _pos++;
        }

        try
        {
            return new Regex(sb.ToString(), options, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw Error($"invalid regex: {ex.Message}");
        }
    }

    // ---- helpers

    private bool TryConsume(string token)
    {
        if (string.CompareOrdinal(_text, _pos, token, 0, token.Length) == 0)
        {
            _pos += token.Length;
            return true;
        }

        return false;
    }

    private bool TryConsumeWord(string word)
    {
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) == 0
            && (_pos + word.Length >= _text.Length || !char.IsLetterOrDigit(_text[_pos + word.Length])))
        {
            _pos += word.Length;
            return true;
        }

        return false;
    }

    private void SkipWhitespace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private char Peek(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private void RejectInReference(string what)
    {
        if (_referenceOnly)
        {
            throw Error($"reference paths may not contain {what}");
        }
    }

    private PathSyntaxException Error(string reason) =>
        new($"Invalid {(_referenceOnly ? "reference path" : "JSONPath")} '{_text}': {reason} at position {_pos}.");

    internal static bool IsIdentifierStart(char c) => c == '_' || char.IsLetter(c);

    internal static bool IsIdentifierPart(char c) => c == '_' || char.IsLetterOrDigit(c);
}
