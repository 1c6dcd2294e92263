using System.Diagnostics;

namespace FileUploader.Lambda.Pipeline;

/// <summary>
/// Reads the X-Ray trace header Lambda passes along (<c>Root=1-5759e988-bd862e3fe1be46a994272793;
/// Parent=53995c3f42cd8ad8;Sampled=1</c>) as a W3C parent: the trace id is the root's epoch and unique parts
/// joined (32 hex digits), the span id is Parent (16 hex digits), Sampled=1 means recorded.
/// </summary>
internal static class XRayTraceHeader
{
    public static bool TryParse(string? header, out ActivityContext context)
    {
        context = default;
        if (string.IsNullOrWhiteSpace(header))
        {
            return false;
        }

        string? root = null;
        string? parent = null;
        var sampled = false;
        foreach (var part in header.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = part[..eq];
            var value = part[(eq + 1)..];
            if (key.Equals("Root", StringComparison.OrdinalIgnoreCase))
            {
                root = value;
            }
            else if (key.Equals("Parent", StringComparison.OrdinalIgnoreCase))
            {
                parent = value;
            }
            else if (key.Equals("Sampled", StringComparison.OrdinalIgnoreCase))
            {
                sampled = value == "1";
            }
        }

        // Root is "1-{8 hex epoch}-{24 hex unique}".
        if (root is not { Length: 35 } || !root.StartsWith("1-", StringComparison.Ordinal) || root[10] != '-'
            || parent is not { Length: 16 } || !IsHex(parent))
        {
            return false;
        }

        var traceId = string.Concat(root.AsSpan(2, 8), root.AsSpan(11, 24));
        if (!IsHex(traceId) || traceId.All(c => c == '0') || parent.All(c => c == '0'))
        {
            return false;
        }

        context = new ActivityContext(
            ActivityTraceId.CreateFromString(traceId),
            ActivitySpanId.CreateFromString(parent),
            sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None,
            isRemote: true);
        return true;
    }

    // ActivityTraceId and ActivitySpanId accept lower-case hex only, which is what X-Ray writes.
    private static bool IsHex(string value) => value.All(char.IsAsciiHexDigitLower);
}
