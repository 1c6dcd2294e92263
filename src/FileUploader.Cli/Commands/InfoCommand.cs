using System.CommandLine;
using System.Text.Json;
using FileUploader.Cli.Api;
using FileUploader.Cli.Terminal;

namespace FileUploader.Cli.Commands;

/// <summary><c>fileuploader info ID [--json]</c>: name, size, expiry and download count.</summary>
internal static class InfoCommand
{
    public static Command Create(Func<ParseResult, CliEnvironment> environment)
    {
        var id = new Argument<string>("id") { Description = "The file id (the last part of its share link)." };
        var json = new Option<bool>("--json") { Description = "Print the server's JSON." };
        var command = new Command("info", "Show a shared file's details and download count.") { id, json };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() => environment(parse), async env =>
        {
            var info = await env.Client.GetInfoAsync(FileIds.FromArgument(parse.GetValue(id)!), cancellationToken);
            if (parse.GetValue(json))
            {
                env.Output.WriteLine(JsonSerializer.Serialize(info, CliJsonContext.Default.FileInfoResponse));
                return 0;
            }

            env.Output.WriteLine($"Name:      {info.FileName}");
            env.Output.WriteLine($"Size:      {(info.Size is { } size ? Sizes.Format(size) : "?")}");
            env.Output.WriteLine($"Type:      {info.ContentType}");
            env.Output.WriteLine($"SHA-256:   {info.Sha256}");
            env.Output.WriteLine($"Status:    {info.Status}");
            env.Output.WriteLine($"Downloads: {info.DownloadCount}{(info.MaxDownloads is { } max ? $" of {max}" : string.Empty)}");
            if (info.ExpiresAt is { } expiresAt)
            {
                env.Output.WriteLine($"Expires:   {expiresAt.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz} (in {Sizes.FormatRemaining(expiresAt - env.Time.GetUtcNow())})");
            }

            return 0;
        }));
        return command;
    }
}
