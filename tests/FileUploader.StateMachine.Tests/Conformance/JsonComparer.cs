using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Tests.Conformance;

/// <summary>
/// JSON equality as AWS means it: object key order is irrelevant and numbers compare by value (1 equals 1.0), since
/// the engine may hold a number as long, double or the parsed text.
/// </summary>
internal static class JsonComparer
{
    public static bool AreEqual(JsonNode? expected, JsonNode? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null;
        }

        switch (expected)
        {
            case JsonObject expectedObject:
                return actual is JsonObject actualObject
                    && expectedObject.Count == actualObject.Count
                    && expectedObject.All(pair => actualObject.TryGetPropertyValue(pair.Key, out var other) && AreEqual(pair.Value, other));
            case JsonArray expectedArray:
                return actual is JsonArray actualArray
                    && expectedArray.Count == actualArray.Count
                    && expectedArray.Zip(actualArray).All(pair => AreEqual(pair.First, pair.Second));
            default:
                var kind = expected.GetValueKind();
                if (kind != actual.GetValueKind())
                {
                    return false;
                }

                return kind switch
                {
                    JsonValueKind.Number => NumbersEqual(expected.ToJsonString(), actual.ToJsonString()),
                    JsonValueKind.String => expected.GetValue<string>() == actual.GetValue<string>(),
                    _ => true, // true, false: the kind says it all
                };
        }
    }

    /// <summary>Walks an RFC 6901 pointer ("/a/0/b"); false when any step is missing.</summary>
    public static bool TryResolvePointer(JsonNode? root, string pointer, out JsonNode? value)
    {
        value = root;
        if (pointer.Length == 0)
        {
            return true;
        }

        foreach (var raw in pointer[1..].Split('/'))
        {
            var token = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            switch (value)
            {
                case JsonObject obj when obj.TryGetPropertyValue(token, out var child):
                    value = child;
                    break;
                case JsonArray array when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count:
                    value = array[index];
                    break;
                default:
                    value = null;
                    return false;
            }
        }

        return true;
    }

    /// <summary>Strings match as their text, anything else as compact JSON.</summary>
    public static string TextForMatching(JsonNode? value) =>
        value is JsonValue scalar && scalar.GetValueKind() == JsonValueKind.String ? scalar.GetValue<string>() : value?.ToJsonString() ?? "null";

    private static bool NumbersEqual(string expected, string actual)
    {
        if (decimal.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            && decimal.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out var b))
        {
            return a == b;
        }

        return double.Parse(expected, CultureInfo.InvariantCulture).Equals(double.Parse(actual, CultureInfo.InvariantCulture));
    }
}
