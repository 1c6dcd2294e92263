using System.Globalization;

namespace FileUploader.Api;

/// <summary>What an uploader may choose about the link: its lifetime (<c>expiresIn</c>) and a download limit.</summary>
public sealed record UploadChoices(TimeSpan LinkLifetime, long? MaxDownloads)
{
    public const long MaxDownloadsLimit = 1_000_000;

    /// <summary>Parses the text of form fields (<c>POST /upload</c>); every problem is reported at once.</summary>
    public static UploadChoices FromText(string? expiresIn, string? maxDownloads, ApiSettings settings) =>
        From(Number(expiresIn), Number(maxDownloads), settings);

    public static UploadChoices From(ParsedNumber expiresIn, ParsedNumber maxDownloads, ApiSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<string>();
        var lifetime = settings.LinkTtl;
        if (expiresIn.Invalid)
        {
            problems.Add("expiresIn must be a whole number of seconds.");
        }
        else if (expiresIn.Value is { } seconds)
        {
            if (seconds <= 0 || seconds > (long)settings.MaxLinkTtl.TotalSeconds)
            {
                problems.Add($"expiresIn must be between 1 and {(long)settings.MaxLinkTtl.TotalSeconds} seconds.");
            }
            else
            {
                lifetime = TimeSpan.FromSeconds(seconds);
            }
        }

        long? limit = null;
        if (maxDownloads.Invalid)
        {
            problems.Add("maxDownloads must be a whole number.");
        }
        else if (maxDownloads.Value is { } max)
        {
            if (max is <= 0 or > MaxDownloadsLimit)
            {
                problems.Add($"maxDownloads must be between 1 and {MaxDownloadsLimit}.");
            }
            else
            {
                limit = max;
            }
        }

        return problems.Count > 0
            ? throw ApiException.BadRequest(string.Join(" ", problems))
            : new UploadChoices(lifetime, limit);
    }

    private static ParsedNumber Number(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return ParsedNumber.Absent;
        }

        return long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? new ParsedNumber(value, Invalid: false)
            : new ParsedNumber(null, Invalid: true);
    }
}

/// <summary>An optional number from a form or JSON body: absent, a value, or present but not a whole number.</summary>
public readonly record struct ParsedNumber(long? Value, bool Invalid)
{
    public static ParsedNumber Absent => new(null, false);
}
