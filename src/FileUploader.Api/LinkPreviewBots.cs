namespace FileUploader.Api;

/// <summary>
/// Chat and social apps fetch a shared link to draw a preview. Serving them the bytes would count a download and
/// use up a one-time link before the person it was meant for clicks it, so they get the name and size only.
/// </summary>
public static class LinkPreviewBots
{
    private static readonly string[] Markers =
    [
        "Slackbot", "Slack-ImgProxy", "facebookexternalhit", "Facebot", "Twitterbot", "WhatsApp", "TelegramBot",
        "Discordbot", "SkypeUriPreview", "MicrosoftPreview", "Microsoft Teams", "Teams/", "LinkedInBot", "Embedly",
        "redditbot", "Applebot", "Iframely", "vkShare", "Pinterestbot", "Mastodon", "Signal", "Viber", "Line/",
        "KakaoTalk-Scrap", "Snapchat", "Google-PageRenderer", "Googlebot", "bingbot", "Bytespider", "Yahoo! Slurp",
    ];

    public static bool IsPreviewBot(string? userAgent)
    {
        if (string.IsNullOrEmpty(userAgent))
        {
            return false;
        }

        foreach (var marker in Markers)
        {
            if (userAgent.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
