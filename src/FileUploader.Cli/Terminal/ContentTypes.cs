namespace FileUploader.Cli.Terminal;

/// <summary>
/// A best guess of the declared content type from the file extension. The server sniffs the bytes anyway and
/// rejects a mismatch, so this only has to be right for the common cases.
/// </summary>
internal static class ContentTypes
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text/plain",
        [".md"] = "text/markdown",
        [".csv"] = "text/csv",
        [".json"] = "application/json",
        [".pdf"] = "application/pdf",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".zip"] = "application/zip",
        [".gz"] = "application/gzip",
        [".tar"] = "application/x-tar",
        [".mp4"] = "video/mp4",
        [".mp3"] = "audio/mpeg",
        [".html"] = "text/html",
        [".htm"] = "text/html",
        [".svg"] = "image/svg+xml",
    };

    public static string Guess(string fileName) =>
        ByExtension.TryGetValue(Path.GetExtension(fileName), out var type) ? type : "application/octet-stream";
}
