using System.Text.Json;
using FileUploader.Core.Domain;
using FileUploader.Lambda.RuntimeApi;

namespace FileUploader.Lambda.Pipeline;

/// <summary>
/// Turns an exception into the Runtime API's error body. The errorType is what the ASL's Retry/Catch match:
/// a <see cref="StepFailedException"/>'s stable name, otherwise the exception's short type name (as AWS's
/// ExceptionInfo does). Every JSON failure is one name, whichever internal subtype System.Text.Json threw.
/// </summary>
internal static class LambdaErrors
{
    public static LambdaError From(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var errorType = exception switch
        {
            StepFailedException failed => failed.ErrorName,
            JsonException => nameof(JsonException),
            _ => exception.GetType().Name,
        };
        var stackTrace = exception.StackTrace?
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        return new LambdaError(exception.Message, errorType, stackTrace);
    }
}
