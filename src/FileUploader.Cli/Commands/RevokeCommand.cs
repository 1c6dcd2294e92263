using System.CommandLine;
using FileUploader.Cli.Api;

namespace FileUploader.Cli.Commands;

/// <summary><c>fileuploader revoke ID [--token T]</c>: the link stops working and the bytes are deleted at once.</summary>
internal static class RevokeCommand
{
    public static Command Create(Func<ParseResult, CliEnvironment> environment)
    {
        var id = new Argument<string>("id") { Description = "The file id or its share link." };
        var token = new Option<string?>("--token") { Description = "The delete token (remembered automatically for files uploaded from here)." };
        var command = new Command("revoke", "Delete a shared file now.") { id, token };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() => environment(parse), async env =>
        {
            var fileId = FileIds.FromArgument(parse.GetValue(id)!);
            var deleteToken = parse.GetValue(token)
                ?? env.Tokens.Find(env.Client.Endpoint, fileId)
                ?? throw new CliException(ExitCode.Usage, $"No delete token for {fileId} on this machine; pass it with --token.");
            await env.Client.RevokeAsync(fileId, deleteToken, cancellationToken);
            env.Tokens.Forget(env.Client.Endpoint, fileId);
            env.Output.WriteLine($"Revoked {fileId}.");
            return 0;
        }));
        return command;
    }
}
