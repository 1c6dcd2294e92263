using Microsoft.Extensions.Logging;

namespace FileUploader.Lambda.Diagnostics;

/// <summary>
/// The Lambda host's log messages. Event ids 5000-5099 belong to this project; next free id: 5011.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Lambda host ready: handler {Handler}, function {FunctionName}")]
    public static partial void HostReady(ILogger logger, string handler, string? functionName);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Invocation started")]
    public static partial void InvocationStarted(ILogger logger);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Invocation succeeded")]
    public static partial void InvocationSucceeded(ILogger logger);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Invocation failed with {ErrorType}")]
    public static partial void InvocationFailed(ILogger logger, string errorType, Exception exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Critical, Message = "Initialisation failed with {ErrorType}; reported on /init/error")]
    public static partial void InitFailed(ILogger logger, string errorType, Exception exception);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Critical, Message = "The Runtime API failed; the host stops so Lambda can replace it")]
    public static partial void RuntimeApiFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Lambda host stopping")]
    public static partial void HostStopping(ILogger logger);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "The Runtime API refused the invocation's answer with {StatusCode}; taking the next event")]
    public static partial void AnswerRejected(ILogger logger, int statusCode, Exception exception);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "HTTP {Method} {Path} refused with {StatusCode} {Error}: {Message}")]
    public static partial void HttpRequestRefused(ILogger logger, string method, string path, int statusCode, string error, string message);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Error, Message = "HTTP {Method} {Path} failed")]
    public static partial void HttpRequestFailed(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Could not stop the expiry execution of revoked file {FileId} ({ErrorCode}); it will find the file gone")]
    public static partial void ExpiryStopFailed(ILogger logger, string fileId, string errorCode, Exception exception);
}
