using Microsoft.Extensions.Logging;

namespace FileUploader.Server.StepFunctionsApi;

/// <summary>
/// Log messages of the Step Functions endpoint. FileUploader.Server owns EventIds 4000–4099 (see
/// Diagnostics/Log.cs); this endpoint uses 4090–4099 of them. Next free: 4091.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4090, Level = LogLevel.Error, Message = "Step Functions request {Target} failed unexpectedly")]
    public static partial void UnexpectedFailure(ILogger logger, string target, Exception exception);
}
