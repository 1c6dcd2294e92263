using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace FileUploader.StateMachine.Documents;

/// <summary>
/// A string, number or boolean. Immutable, so one instance can sit in any number of documents. A number keeps its
/// text: as the input spelled it (<c>1.50</c> stays <c>1.50</c>, as AWS prints it) or as System.Text.Json writes the
/// .NET number it was made from; it is read as a double or decimal when asked.
/// </summary>
internal sealed class DocValue : DocNode
{
    public static readonly DocValue True = new(JsonValueKind.True, "true");
    public static readonly DocValue False = new(JsonValueKind.False, "false");

    // A string's value, or a number's text.
    private readonly string _text;

    private DocValue(JsonValueKind kind, string text)
    {
        Kind = kind;
        _text = text;
    }

    /// <summary><see cref="JsonValueKind.String"/>, <see cref="JsonValueKind.Number"/>, True or False.</summary>
    public JsonValueKind Kind { get; }

    /// <summary>A number's JSON text (ASCII), e.g. <c>1.50</c> or <c>1E+21</c>.</summary>
    public string NumberText => Kind == JsonValueKind.Number ? _text : throw new InvalidOperationException("The value is not a number.");

    public override JsonValueKind GetValueKind() => Kind;

    public override DocNode DeepClone() => this;

    [return: NotNullIfNotNull(nameof(value))]
    public static DocValue? Create(string? value) => value is null ? null : new DocValue(JsonValueKind.String, value);

    public static DocValue Create(bool value) => value ? True : False;

    public static DocValue Create(int value) => new(JsonValueKind.Number, value.ToString(CultureInfo.InvariantCulture));

    public static DocValue Create(long value) => new(JsonValueKind.Number, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A double as System.Text.Json writes one (shortest round-trip text, e.g. <c>1E+21</c>); it must be finite.</summary>
    public static DocValue Create(double value) =>
        double.IsFinite(value)
            ? new(JsonValueKind.Number, value.ToString(CultureInfo.InvariantCulture))
            : throw new ArgumentOutOfRangeException(nameof(value), value, "JSON has no value for NaN or infinity.");

    public static DocValue Create(decimal value) => new(JsonValueKind.Number, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A number from its JSON text, which the caller has checked (the parser's token).</summary>
    internal static DocValue FromNumberText(string text) => new(JsonValueKind.Number, text);

    /// <summary>
    /// As <c>JsonValue.TryGetValue</c> on a parsed value: a string as <see cref="string"/>, true/false as
    /// <see cref="bool"/>, a number as <see cref="double"/>, <see cref="decimal"/>, <see cref="long"/> or
    /// <see cref="int"/> when its text reads as one exactly.
    /// </summary>
    public bool TryGetValue<T>([MaybeNullWhen(false)] out T value)
    {
        // Each branch is compiled only for its own T, and (T)(object)x of a value type is not boxed there.
        bool ok;
        if (typeof(T) == typeof(string))
        {
            ok = Kind == JsonValueKind.String;
            value = ok ? (T)(object)_text : default!;
            return ok;
        }

        if (typeof(T) == typeof(bool))
        {
            ok = Kind is JsonValueKind.True or JsonValueKind.False;
            value = (T)(object)(Kind == JsonValueKind.True);
            return ok;
        }

        if (typeof(T) == typeof(double))
        {
            ok = TryGetDouble(out var d);
            value = (T)(object)d;
            return ok;
        }

        if (typeof(T) == typeof(decimal))
        {
            ok = TryGetDecimal(out var m);
            value = (T)(object)m;
            return ok;
        }

        if (typeof(T) == typeof(long))
        {
            ok = TryGetInt64(out var l);
            value = (T)(object)l;
            return ok;
        }

        if (typeof(T) == typeof(int))
        {
            ok = TryGetInt64(out var l) && l is >= int.MinValue and <= int.MaxValue;
            value = (T)(object)(ok ? (int)l : 0);
            return ok;
        }

        value = default!;
        return false;
    }

    /// <summary>A number as a double, as JsonElement.TryGetDouble reads it (text beyond a double's range is an infinity).</summary>
    public bool TryGetDouble(out double value)
    {
        value = 0;
        var ok = Kind == JsonValueKind.Number && Utf8Parser.TryParse(Ascii(stackalloc byte[MaxStackNumber]), out value, out var used) && used == _text.Length;
        value = ok ? value : 0;
        return ok;
    }

    /// <summary>A number written as an integer that fits a long (as JsonElement.TryGetInt64: <c>3.0</c> is not one).</summary>
    public bool TryGetInt64(out long value)
    {
        value = 0;
        var ok = Kind == JsonValueKind.Number && Utf8Parser.TryParse(Ascii(stackalloc byte[MaxStackNumber]), out value, out var used) && used == _text.Length;
        value = ok ? value : 0;
        return ok;
    }

    /// <summary>A number as a decimal, when it fits one (as JsonElement.TryGetDecimal).</summary>
    public bool TryGetDecimal(out decimal value)
    {
        value = 0;
        var ok = Kind == JsonValueKind.Number && Utf8Parser.TryParse(Ascii(stackalloc byte[MaxStackNumber]), out value, out var used) && used == _text.Length;
        value = ok ? value : 0;
        return ok;
    }

    public new T GetValue<T>() =>
        TryGetValue<T>(out var value) ? value : throw new InvalidOperationException($"A {Kind} value cannot be read as {typeof(T).Name}.");

    /// <summary>Numbers by value (exactly when both fit a decimal), strings ordinally.</summary>
    internal bool ValueEquals(DocValue other)
    {
        if (Kind != other.Kind)
        {
            return false;
        }

        if (Kind != JsonValueKind.Number)
        {
            return string.Equals(_text, other._text, StringComparison.Ordinal);
        }

        if (TryGetDecimal(out var left) && other.TryGetDecimal(out var right))
        {
            return left == right;
        }

        return TryGetDouble(out var leftDouble) && other.TryGetDouble(out var rightDouble) && leftDouble == rightDouble;
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        switch (Kind)
        {
            case JsonValueKind.String:
                writer.WriteStringValue(_text);
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(_text, skipInputValidation: true);
                break;
            default:
                writer.WriteBooleanValue(Kind == JsonValueKind.True);
                break;
        }
    }

    // Numbers are parsed by the parsers JsonElement's TryGet methods use, so a number reads as it did there; their text
    // is ASCII (the reader checked it, or a .NET number wrote it).
    private const int MaxStackNumber = 128;

    private ReadOnlySpan<byte> Ascii(Span<byte> stack)
    {
        var utf8 = _text.Length <= stack.Length ? stack[.._text.Length] : new byte[_text.Length];
        for (var i = 0; i < _text.Length; i++)
        {
            utf8[i] = (byte)_text[i];
        }

        return utf8;
    }
}
