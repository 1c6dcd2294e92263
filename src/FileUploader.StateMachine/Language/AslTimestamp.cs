using System.Globalization;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// Timestamps as ASL accepts them (spec "Timestamps"): the RFC3339 profile of ISO 8601 with an uppercase
/// <c>T</c> between date and time and an uppercase <c>Z</c> when there is no numeric offset, e.g.
/// <c>2016-03-14T01:59:00Z</c>, <c>2016-03-14T01:59:00.123+01:00</c>. A local time without a zone is rejected.
/// </summary>
internal static class AslTimestamp
{
    public static bool TryParse(string? s, out DateTimeOffset value)
    {
        value = default;
        if (s is null || s.Length < 20)
        {
            return false;
        }

        var span = s.AsSpan();
        if (!TryDigits(span, 0, 4, out var year) || span[4] != '-'
            || !TryDigits(span, 5, 2, out var month) || span[7] != '-'
            || !TryDigits(span, 8, 2, out var day) || span[10] != 'T'
            || !TryDigits(span, 11, 2, out var hour) || span[13] != ':'
            || !TryDigits(span, 14, 2, out var minute) || span[16] != ':'
            || !TryDigits(span, 17, 2, out var second))
        {
            return false;
        }

        var pos = 19;
        long fractionTicks = 0;
        if (span[pos] == '.')
        {
            pos++;
            var start = pos;
            long scale = TimeSpan.TicksPerSecond;
            while (pos < span.Length && char.IsAsciiDigit(span[pos]))
            {
                // Digits beyond 100 ns precision are accepted and dropped.
                scale /= 10;
                fractionTicks += (span[pos] - '0') * scale;
                pos++;
            }

            if (pos == start)
            {
                return false;
            }
        }

        if (pos >= span.Length)
        {
            return false;
        }

        TimeSpan offset;
        if (span[pos] == 'Z')
        {
            offset = TimeSpan.Zero;
            pos++;
        }
        else if (span[pos] is '+' or '-')
        {
            if (pos + 6 != span.Length || !TryDigits(span, pos + 1, 2, out var offsetHours) || span[pos + 3] != ':'
                || !TryDigits(span, pos + 4, 2, out var offsetMinutes) || offsetMinutes > 59 || offsetHours > 14
                || (offsetHours == 14 && offsetMinutes != 0))
            {
                return false;
            }

            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            if (span[pos] == '-')
            {
                offset = -offset;
            }

            pos += 6;
        }
        else
        {
            return false;
        }

        if (pos != span.Length || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        try
        {
            value = new DateTimeOffset(year, month, day, hour, minute, second, offset).AddTicks(fractionTicks);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            // Year 0001 with a positive offset (or 9999 with a negative one) falls outside the representable range.
            return false;
        }
    }

    /// <summary>Formats as AWS prints timestamps: UTC, millisecond precision, <c>Z</c>.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static bool TryDigits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        if (start + count > s.Length)
        {
            return false;
        }

        for (var i = start; i < start + count; i++)
        {
            var c = s[i];
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
