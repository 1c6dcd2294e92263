using System.Globalization;

namespace FileUploader.Cli.Terminal;

internal static class Sizes
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static string Format(double bytes)
    {
        var unit = 0;
        while (bytes >= 1024 && unit < Units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:0} {Units[unit]}")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {Units[unit]}");
    }

    /// <summary>Time until a link expires: "59m 58s", or "expired" once it has.</summary>
    public static string FormatRemaining(TimeSpan remaining) =>
        remaining <= TimeSpan.Zero ? "expired" : FormatDuration(remaining);

    /// <summary>A duration for people: "1h 5m", "2m 3s", "0s".</summary>
    public static string FormatDuration(TimeSpan duration) =>
        duration.TotalHours >= 1 ? $"{(int)duration.TotalHours}h {duration.Minutes}m"
        : duration.TotalMinutes >= 1 ? $"{duration.Minutes}m {duration.Seconds}s"
        : $"{Math.Max(duration.Seconds, 0)}s";
}
