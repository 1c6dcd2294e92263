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

    public static string FormatRemaining(TimeSpan remaining) =>
        remaining <= TimeSpan.Zero ? "expired"
        : remaining.TotalHours >= 1 ? $"{(int)remaining.TotalHours}h {remaining.Minutes}m"
        : remaining.TotalMinutes >= 1 ? $"{remaining.Minutes}m {remaining.Seconds}s"
        : $"{remaining.Seconds}s";
}
