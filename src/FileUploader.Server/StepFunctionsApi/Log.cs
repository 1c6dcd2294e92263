using Microsoft.Extensions.Logging;

namespace FileUploader.Server.StepFunctionsApi;

/// <summary>Log messages of the Step Functions endpoint. Event ids 3100–3199; next free: 3101.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Error, Message = "Step Functions request {Target} failed unexpectedly")]
    public static partial void UnexpectedFailure(ILogger logger, string target, Exception exception);
}
