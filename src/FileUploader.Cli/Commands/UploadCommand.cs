using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FileUploader.Cli.Api;
using FileUploader.Cli.Terminal;

namespace FileUploader.Cli.Commands;

/// <summary><c>fileuploader upload FILE… [--expires 30m] [--max-downloads N] [--json] [--no-qr]</c></summary>
internal static class UploadCommand
{
    private const int ParallelUploads = 4;

    public static Command Create(Func<ParseResult, CliEnvironment> environment)
    {
        var files = new Argument<FileInfo[]>("files") { Description = "The files to share.", Arity = ArgumentArity.OneOrMore };
        var expires = new Option<string?>("--expires", "-e")
        {
            Description = "How long the link works: seconds, or 90s, 30m, 1h, 2d (the server caps it).",
        };
        var maxDownloads = new Option<long?>("--max-downloads", "-n") { Description = "Stop the link after this many downloads." };
        var json = new Option<bool>("--json") { Description = "Print one JSON array of results on stdout (progress goes to stderr)." };
        var noQr = new Option<bool>("--no-qr") { Description = "Do not draw the QR code." };

        var command = new Command("upload", "Upload files and print their share links.") { files, expires, maxDownloads, json, noQr };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() => environment(parse), env => RunAsync(
            env,
            parse.GetValue(files) ?? [],
            ParseDuration(parse.GetValue(expires)),
            parse.GetValue(maxDownloads),
            parse.GetValue(json),
            parse.GetValue(noQr),
            cancellationToken)));
        return command;
    }

    internal static long? ParseDuration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        var (number, unitSeconds) = char.ToLowerInvariant(trimmed[^1]) switch
        {
            's' => (trimmed[..^1], 1L),
            'm' => (trimmed[..^1], 60L),
            'h' => (trimmed[..^1], 3600L),
            'd' => (trimmed[..^1], 86400L),
            _ => (trimmed, 1L),
        };

        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0 || value > long.MaxValue / unitSeconds)
        {
            throw new CliException(ExitCode.Usage, $"--expires '{text}' is not a duration such as 3600, 90s, 30m, 1h or 2d.");
        }

        return value * unitSeconds;
    }

    private static async Task<int> RunAsync(
        CliEnvironment env,
        FileInfo[] files,
        long? expiresInSeconds,
        long? maxDownloads,
        bool json,
        bool noQr,
        CancellationToken cancellationToken)
    {
        // Check every file before sending anything: a typo in the third name should not leave two uploads behind.
        foreach (var file in files)
        {
            if (!file.Exists)
            {
                throw new CliException(ExitCode.LocalFile, $"No such file: {file.FullName}");
            }
        }

        if (maxDownloads is <= 0)
        {
            throw new CliException(ExitCode.Usage, "--max-downloads must be a positive number.");
        }

        var results = new UploadResult?[files.Length];
        var failures = new CliException?[files.Length];
        await TransferProgress.RunAsync(env.Interactive && !json, env.Errors, async progress =>
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, files.Length),
                new ParallelOptions { MaxDegreeOfParallelism = ParallelUploads, CancellationToken = cancellationToken },
                async (index, ct) =>
                {
                    var file = files[index];
                    var tracker = progress.Start(file.Name, file.Length);
                    try
                    {
                        var answer = await env.Client.UploadAsync(
                            file,
                            ContentTypes.Guess(file.Name),
                            expiresInSeconds,
                            maxDownloads,
                            new SynchronousReporter(sent => tracker.Report((sent, file.Length))),
                            ct);
                        results[index] = ToResult(file, answer);
                    }
                    catch (CliException ex)
                    {
                        failures[index] = ex;
                    }
                });
        });

        foreach (var result in results)
        {
            if (result?.DeleteToken is { } token)
            {
                env.Tokens.Save(env.Client.Endpoint, result.FileId, token);
            }
        }

        if (json)
        {
            env.Output.WriteLine(JsonSerializer.Serialize(results.OfType<UploadResult>().ToList(), CliJsonContext.Default.ListUploadResult));
        }
        else
        {
            foreach (var result in results.OfType<UploadResult>())
            {
                PrintResult(env, result, noQr);
            }
        }

        for (var i = 0; i < files.Length; i++)
        {
            if (failures[i] is { } failure)
            {
                env.Errors.WriteLine($"error: {files[i].Name}: {failure.Message}");
            }
        }

        return failures.FirstOrDefault(f => f is not null) is { } first ? (int)first.ExitCode : (int)ExitCode.Ok;
    }

    private static UploadResult ToResult(FileInfo file, UploadStatusResponse answer)
    {
        if (answer.FileId is null || answer.ShareUrl is null || answer.DownloadUrl is null || answer.ExpiresAt is null)
        {
            throw new CliException(ExitCode.ServerError, $"The server finished {file.Name} without a link.");
        }

        return new UploadResult(
            file.FullName,
            answer.FileId,
            answer.FileName ?? file.Name,
            answer.Size ?? file.Length,
            answer.Sha256 ?? string.Empty,
            answer.ShareUrl,
            answer.DownloadUrl,
            answer.ExpiresAt.Value,
            answer.DeleteToken);
    }

    private static void PrintResult(CliEnvironment env, UploadResult result, bool noQr)
    {
        var left = result.ExpiresAt - env.Time.GetUtcNow();
        env.Output.WriteLine($"✓ {result.FileName} ({Sizes.Format(result.Size)})");
        env.Output.WriteLine($"  Link:    {result.ShareUrl}");
        env.Output.WriteLine($"  Expires: {result.ExpiresAt.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz} (in {Sizes.FormatRemaining(left)})");
        env.Output.WriteLine($"  SHA-256: {result.Sha256}");
        if (result.DeleteToken is not null)
        {
            env.Output.WriteLine($"  Revoke:  fileuploader revoke {result.FileId}");
        }

        if (!noQr)
        {
            env.Output.WriteLine();
            env.Output.Write(QrCodeRenderer.Render(result.ShareUrl));
        }

        env.Output.WriteLine();
    }

    private sealed class SynchronousReporter(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
