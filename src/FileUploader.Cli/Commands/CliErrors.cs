using FileUploader.Cli.Api;

namespace FileUploader.Cli.Commands;

/// <summary>
/// Turns failures into one line on stderr and an exit code. A user's mistake never shows a stack trace;
/// set FILEUPLOADER_DEBUG=1 to see one for an unexpected failure.
/// </summary>
internal static class CliErrors
{
    public static async Task<int> RunAsync(Func<CliEnvironment> createEnvironment, Func<CliEnvironment, Task<int>> action)
    {
        try
        {
            return await action(createEnvironment());
        }
        catch (CliException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return (int)ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("error: cancelled");
            return 130;
        }
#pragma warning disable CA1031 // The last line of defence: whatever escaped becomes one readable line, not a crash dump.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync(Environment.GetEnvironmentVariable("FILEUPLOADER_DEBUG") == "1"
                ? $"error: {ex}"
                : $"error: {ex.Message}");
            return (int)ExitCode.Failed;
        }
    }
}
