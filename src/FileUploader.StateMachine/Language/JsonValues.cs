using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// Type tests, number reads, equality and text for <see cref="JsonNode"/> values. A JSON null is the C# null
/// reference in System.Text.Json.Nodes, so "present but null" and "missing" are told apart by the callers
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

    public static JsonValueKind KindOf(JsonNode? node) => node is null ? JsonValueKind.Null : node.GetValueKind();

    public static bool IsNull(JsonNode? node) => node is null || node.GetValueKind() == JsonValueKind.Null;

    public static bool IsNumber(JsonNode? node) => node is JsonValue && node.GetValueKind() == JsonValueKind.Number;

    public static bool IsBoolean(JsonNode? node)
    {
        if (node is not JsonValue)
        {
            return false;
        }

        var kind = node.GetValueKind();
        return kind is JsonValueKind.True or JsonValueKind.False;
    }

    public static bool TryGetString(JsonNode? node, out string value)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.TryGetValue(out string? s))
        {
            value = s;
            return true;
        }

        value = string.Empty;
        return false;
    }

    public static bool TryGetBoolean(JsonNode? node, out bool value)
    {
        value = false;
        if (node is not JsonValue v)
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

    /// <summary>
    /// Reads a JSON number as a double whatever CLR type backs the node (a parsed element or a value the
    /// interpreter created from an int, long or decimal).
    /// </summary>
    public static bool TryGetDouble(JsonNode? node, out double value)
    {
        value = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (v.TryGetValue(out value))
        {
            return true;
        }

        if (v.TryGetValue(out JsonElement element))
        {
            return element.TryGetDouble(out value);
        }

        if (TryGetDecimalFromPrimitive(v, out var d))
        {
            value = (double)d;
            return true;
        }

        if (v.TryGetValue(out float f))
        {
            value = f;
            return true;
        }

        if (v.TryGetValue(out ulong ul))
        {
            value = ul;
            return true;
        }

        return double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Reads a JSON number exactly when it fits a decimal (used for equality and ordering).</summary>
    public static bool TryGetDecimal(JsonNode? node, out decimal value)
    {
        value = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (v.TryGetValue(out JsonElement element))
        {
            return element.TryGetDecimal(out value);
        }

        if (TryGetDecimalFromPrimitive(v, out value))
        {
            return true;
        }

        if (v.TryGetValue(out double dbl) && double.IsFinite(dbl) && Math.Abs(dbl) < 7.9e28)
        {
            value = (decimal)dbl;
            return true;
        }

        if (v.TryGetValue(out float flt) && float.IsFinite(flt) && Math.Abs(flt) < 7.9e28f)
        {
            value = (decimal)flt;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Reads a JSON number that is an integer (1 and 1.0 both count, as in AWS) within <see cref="long"/>.
    /// </summary>
    public static bool TryGetInteger(JsonNode? node, out long value)
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
    public static int CompareNumbers(JsonNode? left, JsonNode? right)
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
    public static bool DeepEquals(JsonNode? left, JsonNode? right)
    {
        var leftKind = KindOf(left);
        var rightKind = KindOf(right);
        if (leftKind != rightKind)
        {
            return false;
        }

        switch (leftKind)
        {
            case JsonValueKind.Null:
            case JsonValueKind.True:
            case JsonValueKind.False:
                return true;
            case JsonValueKind.Number:
                return CompareNumbers(left, right) == 0;
            case JsonValueKind.String:
                TryGetString(left, out var ls);
                TryGetString(right, out var rs);
                return string.Equals(ls, rs, StringComparison.Ordinal);
            case JsonValueKind.Array:
                var la = (JsonArray)left!;
                var ra = (JsonArray)right!;
                if (la.Count != ra.Count)
                {
                    return false;
                }

                for (var i = 0; i < la.Count; i++)
                {
                    if (!DeepEquals(la[i], ra[i]))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Object:
                var lo = (JsonObject)left!;
                var ro = (JsonObject)right!;
                if (lo.Count != ro.Count)
                {
                    return false;
                }

                foreach (var (key, value) in lo)
                {
                    if (!ro.TryGetPropertyValue(key, out var other) || !DeepEquals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>Compact JSON text of a value (<c>null</c> for JSON null), as AWS prints it in causes.</summary>
    public static string ToJsonText(JsonNode? node) => node is null ? "null" : node.ToJsonString(CompactOptions);

    /// <summary>Names the JSON type as the AWS error messages do.</summary>
    public static string TypeName(JsonNode? node) => KindOf(node) switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static bool TryGetDecimalFromPrimitive(JsonValue v, out decimal value)
    {
        if (v.TryGetValue(out int i))
        {
            value = i;
            return true;
        }

        if (v.TryGetValue(out long l))
        {
            value = l;
            return true;
        }

        if (v.TryGetValue(out value))
        {
            return true;
        }

        if (v.TryGetValue(out short s))
        {
            value = s;
            return true;
        }

        if (v.TryGetValue(out uint ui))
        {
            value = ui;
            return true;
        }

        if (v.TryGetValue(out ulong ul))
        {
            value = ul;
            return true;
        }

        if (v.TryGetValue(out byte b))
        {
            value = b;
            return true;
        }

        value = 0;
        return false;
    }
}
