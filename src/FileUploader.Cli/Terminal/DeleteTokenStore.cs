using System.Text.Json;

namespace FileUploader.Cli.Terminal;

/// <summary>
/// Remembers the delete token of each file this user uploaded, so <c>fileuploader revoke ID</c> works without
/// pasting it. Kept in <c>$XDG_CONFIG_HOME/fileuploader/tokens.json</c> (or <c>~/.config/…</c>), readable by the
/// owner only: a token is the power to delete the file.
/// </summary>
internal sealed class DeleteTokenStore(string directory)
{
    private string FilePath => Path.Combine(directory, "tokens.json");

    public static DeleteTokenStore ForCurrentUser(string? configDirectory)
    {
        var root = configDirectory
            ?? Environment.GetEnvironmentVariable("XDG_CONFIG_HOME")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return new DeleteTokenStore(Path.Combine(root, "fileuploader"));
    }

    public string? Find(Uri endpoint, string fileId) =>
        Load().TryGetValue(Key(endpoint, fileId), out var token) ? token : null;

    public void Save(Uri endpoint, string fileId, string deleteToken)
    {
        var tokens = Load();
        tokens[Key(endpoint, fileId)] = deleteToken;
        Write(tokens);
    }

    public void Forget(Uri endpoint, string fileId)
    {
        var tokens = Load();
        if (tokens.Remove(Key(endpoint, fileId)))
        {
            Write(tokens);
        }
    }

    private static string Key(Uri endpoint, string fileId) => $"{endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/')} {fileId}";

    private Dictionary<string, string> Load()
    {
        try
        {
            using var stream = File.OpenRead(FilePath);
            return JsonSerializer.Deserialize(stream, Api.CliJsonContext.Default.DictionaryStringString) ?? [];
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            // No tokens yet, or a file we cannot read as ours: start afresh rather than fail an upload.
            return [];
        }
    }

    private void Write(Dictionary<string, string> tokens)
    {
        Directory.CreateDirectory(directory);
        var temporary = FilePath + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, tokens, Api.CliJsonContext.Default.DictionaryStringString);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }
}
