using System.CommandLine;
using FileUploader.Cli.Api;
using FileUploader.Cli.Terminal;

namespace FileUploader.Cli.Commands;

/// <summary>
/// <c>fileuploader download ID|URL [-o PATH] [--force]</c>: streams the file with progress and checks its SHA-256
/// against the server's record before putting it in place.
/// </summary>
internal static class DownloadCommand
{
    public static Command Create(Func<ParseResult, CliEnvironment> environment)
    {
        var source = new Argument<string>("source") { Description = "A file id, a share link, or a direct download link." };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write (a file or a folder); default: the file's name here." };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file." };
        var command = new Command("download", "Download a shared file and verify its SHA-256.") { source, output, force };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() => environment(parse), env => RunAsync(
            env, parse.GetValue(source)!, parse.GetValue(output), parse.GetValue(force), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(CliEnvironment env, string source, string? output, bool force, CancellationToken cancellationToken)
    {
        Uri url;
        string? fileId;
        if (Uri.TryCreate(source, UriKind.Absolute, out var given) && (given.Scheme == Uri.UriSchemeHttp || given.Scheme == Uri.UriSchemeHttps))
        {
            url = given;
            fileId = FileIds.FromUrl(given);
        }
        else
        {
            fileId = FileIds.FromArgument(source);
            url = new Uri(env.Client.Endpoint, $"files/{Uri.EscapeDataString(fileId)}");
        }

        // The expected checksum comes from the record, read before the bytes, so a corrupted transfer is caught.
        var expectedSha256 = fileId is null ? null : (await env.Client.GetInfoAsync(fileId, cancellationToken)).Sha256;

        DownloadedFile? downloaded = null;
        await TransferProgress.RunAsync(env.Interactive, env.Errors, async progress =>
        {
            IProgress<(long, long?)>? tracker = null;
            downloaded = await env.Client.DownloadAsync(
                url,
                suggested => ChooseDestination(output, suggested ?? fileId ?? "download", force),
                new InlineProgress(update => (tracker ??= progress.Start(source, update.Total)).Report(update)),
                cancellationToken);
        });

        var file = downloaded!;
        if (expectedSha256 is not null && !string.Equals(expectedSha256, file.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            file.Discard();
            throw new CliException(ExitCode.ChecksumMismatch, $"SHA-256 mismatch: expected {expectedSha256}, got {file.Sha256}; nothing was saved.");
        }

        file.Commit(force);
        env.Output.WriteLine($"Saved {file.Destination.FullName} ({Sizes.Format(file.Size)}, SHA-256 {file.Sha256}{(expectedSha256 is null ? ", not verified: no record to compare" : ", verified")})");
        return 0;
    }

    private static FileInfo ChooseDestination(string? output, string suggestedName, bool force)
    {
        // Never trust a server-supplied name as a path: keep only its last segment.
        var safeName = Path.GetFileName(suggestedName.Replace('\\', '/'));
        if (string.IsNullOrWhiteSpace(safeName) || safeName is "." or "..")
        {
            safeName = "download";
        }

        var destination = output is null ? new FileInfo(safeName)
            : Directory.Exists(output) ? new FileInfo(Path.Combine(output, safeName))
            : new FileInfo(output);

        if (destination.Exists && !force)
        {
            throw new CliException(ExitCode.LocalFile, $"{destination.FullName} already exists; use --force to overwrite.");
        }

        if (destination.Directory is { Exists: false } folder)
        {
            throw new CliException(ExitCode.LocalFile, $"The folder {folder.FullName} does not exist.");
        }

        return destination;
    }

    private sealed class InlineProgress(Action<(long Done, long? Total)> report) : IProgress<(long, long?)>
    {
        public void Report((long, long?) value) => report(value);
    }
}
