using FileUploader.Api;
using FileUploader.Lambda.Diagnostics;
using FileUploader.Storage.Aws.StepFunctions;
using Microsoft.Extensions.Logging;

namespace FileUploader.Lambda.HttpApi;

/// <summary>
/// Revocation's <c>StopExecution</c> of the file's expiry execution (named after the file by the upload workflow's
/// ScheduleExpiry state), through <see cref="StepFunctionsClient"/>.
/// </summary>
internal sealed class StepFunctionsExpiryWorkflow(StepFunctionsClient client, HttpApiSettings settings, ILogger<StepFunctionsExpiryWorkflow> logger) : IExpiryWorkflow
{
    public async Task StopAsync(string fileId, string error, string cause, CancellationToken cancellationToken)
    {
        var executionArn = settings.ExpiryStateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + fileId;
        try
        {
            await client.StopExecutionAsync(executionArn, error, cause, cancellationToken);
        }
        catch (ExecutionDoesNotExistException)
        {
            // Never scheduled (the upload failed before ScheduleExpiry): nothing waits on it.
        }
        catch (StepFunctionsClientException exception)
        {
            // The file is already revoked and its bytes deleted; the waiting execution will find nothing left to
            // expire (Expire accepts "already gone"). Worth a line in the log, not a failed revocation.
            Log.ExpiryStopFailed(logger, fileId, exception.ErrorCode, exception);
        }
    }
}
