namespace FileUploader.Cli.Api;

/// <summary>
/// A failure the user can act on. Printed as one line (no stack trace) and turned into the exit code, so
/// scripts can tell "your mistake" from "the server said no" from "the server is not there".
/// </summary>
internal sealed class CliException(ExitCode exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public ExitCode ExitCode { get; } = exitCode;
}

/// <summary>The command's exit codes. Documented in README; never renumber.</summary>
internal enum ExitCode
{
    Ok = 0,
    /// <summary>Anything not covered below.</summary>
    Failed = 1,
    /// <summary>Bad command line (System.CommandLine's own parse errors use 1; ours use 2 as well).</summary>
    Usage = 2,
    /// <summary>A local file is missing, unreadable or not writable.</summary>
    LocalFile = 3,
    /// <summary>The server could not be reached (refused, DNS, timeout).</summary>
    Unreachable = 4,
    /// <summary>The server refused the request (4xx): unknown id, expired link, rejected upload, bad token.</summary>
    Refused = 5,
    /// <summary>The downloaded bytes do not match the file's SHA-256.</summary>
    ChecksumMismatch = 6,
    /// <summary>The upload was accepted but its workflow failed on the server (5xx or status failed).</summary>
    ServerError = 7,
}
