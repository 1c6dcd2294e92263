namespace FileUploader.Server.Diagnostics;

/// <summary>
/// The server's log lines. EventIds 4000–4099 belong to FileUploader.Server; next free id: 4017. Retired, never reuse: 4009, 4010, 4014–4016 (the shared API logs those events as 6000–6006) and 4013.
/// The upload id and execution id come from the logging scope opened around each upload and step.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Information, "Listening for {PublicBaseUrl}; data in {DataDirectory}; storage {Storage}")]
    public static partial void Started(ILogger logger, Uri publicBaseUrl, string dataDirectory, string storage);

    [LoggerMessage(4001, LogLevel.Information, "State machine {Name} ready at {StateMachineArn}")]
    public static partial void StateMachineReady(ILogger logger, string name, string stateMachineArn);

    // Debug: every upload logs "finished" at Information anyway, with the same ids. Under many small uploads the two
    // console lines per upload took ~3% of the server's CPU (perf); this one tells an operator nothing "finished" won't.
    [LoggerMessage(4002, LogLevel.Debug, "Upload staged: {Size} bytes")]
    public static partial void UploadStaged(ILogger logger, long size);

    // Debug: between "staged" and "finished" it tells nothing an operator needs, and every upload would pay for it.
    [LoggerMessage(4003, LogLevel.Debug, "Upload workflow started")]
    public static partial void WorkflowStarted(ILogger logger);

    [LoggerMessage(4004, LogLevel.Information, "Upload finished as {Status} ({Error})")]
    public static partial void WorkflowFinished(ILogger logger, string status, string? error);

    [LoggerMessage(4005, LogLevel.Debug, "Step {Step} attempt {Attempt} starting")]
    public static partial void StepStarting(ILogger logger, string step, int attempt);

    [LoggerMessage(4006, LogLevel.Warning, "Step {Step} attempt {Attempt} failed with {Error}: {Cause}")]
    public static partial void StepFailed(ILogger logger, string step, int attempt, string error, string cause);

    [LoggerMessage(4007, LogLevel.Information, "Request {Method} {Path} refused with {StatusCode} {Error}: {Message}")]
    public static partial void RequestRefused(ILogger logger, string method, string path, int statusCode, string error, string message);

    [LoggerMessage(4008, LogLevel.Error, "Request {Method} {Path} failed")]
    public static partial void UnhandledError(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(4011, LogLevel.Information, "Sweep removed staging object {Key}: {Reason}")]
    public static partial void SweptStaging(ILogger logger, string key, string reason);

    [LoggerMessage(4012, LogLevel.Warning, "Sweep failed; will try again")]
    public static partial void SweepFailed(ILogger logger, Exception exception);
}
