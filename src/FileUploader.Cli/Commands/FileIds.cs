using FileUploader.Cli.Api;

namespace FileUploader.Cli.Commands;

/// <summary>Accepts what a user has at hand: a bare file id, or a share link <c>…/files/{id}</c>.</summary>
internal static class FileIds
{
    public static string FromArgument(string argument)
    {
        if (Uri.TryCreate(argument, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return FromUrl(url) ?? throw new CliException(ExitCode.Usage, $"'{argument}' is not a FileUploader share link (…/files/ID).");
        }

        if (argument.Length == 0 || argument.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            throw new CliException(ExitCode.Usage, $"'{argument}' is not a file id.");
        }

        return argument;
    }

    /// <summary>The id in <c>…/files/{id}</c> or a direct link <c>…/download/files/{id}?…</c>; null for other URLs.</summary>
    public static string? FromUrl(Uri url)
    {
        var segments = url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < segments.Length - 1; i++)
        {
            if (segments[i] == "files")
            {
                return Uri.UnescapeDataString(segments[i + 1]);
            }
        }

        return null;
    }
}
