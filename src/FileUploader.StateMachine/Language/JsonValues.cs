using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using FileUploader.StateMachine.Documents;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// Type tests, number reads, equality and text for <see cref="DocNode"/> values. A JSON null is the C# null
/// reference in the document tree, so "present but null" and "missing" are told apart by the callers
/// (a <c>TryGet</c> that returns true with a null value), never here.
/// </summary>
internal static class JsonValues
{
    /// <summary>
    /// Compact JSON without HTML-safe escaping: AWS writes <c>&lt;</c> and non-ASCII text as they are, and
    /// States.JsonToString / error causes must match that.
    /// </summary>
    public static readonly JsonSerializerOptions CompactOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static JsonValueKind KindOf(DocNode? node) => node is null ? JsonValueKind.Null : node.GetValueKind();

    public static bool IsNull(DocNode? node) => node is null || node.GetValueKind() == JsonValueKind.Null;

    public static bool IsNumber(DocNode? node) => node is DocValue && node.GetValueKind() == JsonValueKind.Number;

    public static bool IsBoolean(DocNode? node)
    {
        if (node is not DocValue)
        {
            return false;
        }

        var kind = node.GetValueKind();
        return kind is JsonValueKind.True or JsonValueKind.False;
    }

    public static bool TryGetString(DocNode? node, out string value)
    {
        if (node is DocValue v && v.GetValueKind() == JsonValueKind.String && v.TryGetValue(out string? s) && s is not null)
        {
            value = s;
            return true;
        }

        value = string.Empty;
        return false;
    }

    public static bool TryGetBoolean(DocNode? node, out bool value)
    {
        value = false;
        if (node is not DocValue v)
        {
            return false;
        }

        switch (v.GetValueKind())
        {
            case JsonValueKind.True:
                value = true;
                return true;
            case JsonValueKind.False:
                return true;
            default:
                return false;
        }
    }

    /// <summary>Reads a JSON number as a double (false when it is not one, or too large for one).</summary>
    public static bool TryGetDouble(DocNode? node, out double value)
    {
        value = 0;
        return node is DocValue v && v.TryGetDouble(out value);
    }

    /// <summary>Reads a JSON number exactly when it fits a decimal (used for equality and ordering).</summary>
    public static bool TryGetDecimal(DocNode? node, out decimal value)
    {
        value = 0;
        return node is DocValue v && v.TryGetDecimal(out value);
    }

    /// <summary>
    /// Reads a JSON number that is an integer (1 and 1.0 both count, as in AWS) within <see cref="long"/>.
    /// </summary>
    public static bool TryGetInteger(DocNode? node, out long value)
    {
        value = 0;
        if (TryGetDecimal(node, out var d))
        {
            if (d != decimal.Truncate(d) || d < long.MinValue || d > long.MaxValue)
            {
                return false;
            }

            value = (long)d;
            return true;
        }

        return false;
    }

    /// <summary>Compares two JSON numbers: exactly when both fit a decimal, otherwise as doubles.</summary>
    public static int CompareNumbers(DocNode? left, DocNode? right)
    {
        if (TryGetDecimal(left, out var l) && TryGetDecimal(right, out var r))
        {
            return l.CompareTo(r);
        }

        TryGetDouble(left, out var ld);
        TryGetDouble(right, out var rd);
        return ld.CompareTo(rd);
    }

    /// <summary>
    /// JSON equality: numbers by value (1 equals 1.0), strings ordinally, objects regardless of key order,
    /// arrays element by element.
    /// </summary>
    public static bool DeepEquals(DocNode? left, DocNode? right) => DocNode.DeepEquals(left, right);

    /// <summary>Compact JSON text of a value (<c>null</c> for JSON null), as AWS prints it in causes.</summary>
    public static string ToJsonText(DocNode? node) => node is null ? "null" : node.ToJsonString(CompactOptions);

    /// <summary>Names the JSON type as the AWS error messages do.</summary>
    public static string TypeName(DocNode? node) => KindOf(node) switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
