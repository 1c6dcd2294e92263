using System.Diagnostics;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Cli.Tests;

/// <summary>Runs the real <c>fileuploader</c> command as a user would, capturing what it prints and its exit code.</summary>
internal sealed class CliRunner(Uri endpoint, string configDirectory)
{
    public async Task<CliRun> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = configDirectory,
        };
        start.ArgumentList.Add(RepositoryPaths.OutputOf("FileUploader.Cli", "fileuploader.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["FILEUPLOADER_ENDPOINT"] = endpoint.ToString();
        start.Environment["FILEUPLOADER_CONFIG_DIR"] = configDirectory;
        start.Environment.Remove("FILEUPLOADER_DEBUG");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}

internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
