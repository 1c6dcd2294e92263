using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Server.Diagnostics;
using FileUploader.Server.Workflow;
using FileUploader.StateMachine.Service;

namespace FileUploader.Server.Uploads;

/// <summary>
/// Settles an upload that no request of this process is handling:
/// <list type="bullet">
/// <item>Processing after a crash between "bytes staged" and "workflow started": staged bytes are complete (stores
/// write atomically), so the workflow is started; without bytes the upload is marked failed.</item>
/// <item>Pending with staged bytes: they arrived without this server's PUT (a pre-signed S3 POST, where AWS
/// would start the workflow from an EventBridge rule), so the upload is claimed and its workflow started.</item>
/// </list>
/// A running workflow is left to finish. With <c>--upload-starter eventbridge</c> the bucket's rule starts every
/// upload's workflow (unnamed, so it cannot be found by name): staged bytes are then left to it, and this class
/// never starts a second execution whose compensation could undo the first one's work.
/// </summary>
internal sealed class UploadReconciler(
    IFileCatalog catalog,
    IObjectStore store,
    IStepFunctions stepFunctions,
    WorkflowArns arns,
    InFlightUploads inFlight,
    ServerOptions options,
    ILogger<UploadReconciler> logger)
{
    public async Task<UploadSession> ReconcileAsync(UploadSession session, CancellationToken cancellationToken)
    {
        if (session.Status is not (UploadStatus.Processing or UploadStatus.Pending) || inFlight.Contains(session.Id))
        {
            return session;
        }

        if (options.EventBridgeStartsUploads)
        {
            // The rule's execution settles the session (FinishUpload / FailUpload); reading is all that is left here.
            return await catalog.GetUploadAsync(session.Id, cancellationToken) ?? session;
        }

        if (session.Status == UploadStatus.Pending)
        {
            if (await store.HeadAsync(UploadService.StagingKey(session.Id), cancellationToken) is null
                || !await catalog.TryUpdateUploadStatusAsync(session.Id, UploadStatus.Processing, [UploadStatus.Pending], null, null, null, cancellationToken))
            {
                return await catalog.GetUploadAsync(session.Id, cancellationToken) ?? session;
            }

            await stepFunctions.StartExecutionAsync(
                new StartExecutionRequest(arns.Upload, session.Id, UploadService.WorkflowInput(session).ToJsonString()),
                cancellationToken);
            return session with { Status = UploadStatus.Processing };
        }

        var execution = await DescribeAsync(ExecutionArn(arns.Upload, session.Id), cancellationToken);
        if (execution is not null)
        {
            if (execution.Status == "RUNNING")
            {
                return session;
            }

            // Finished: its last steps recorded the outcome; if they could not, the execution's error is the outcome.
            var latest = await catalog.GetUploadAsync(session.Id, cancellationToken) ?? session;
            if (latest.Status == UploadStatus.Processing)
            {
                await catalog.TryUpdateUploadStatusAsync(session.Id, UploadStatus.Failed, [UploadStatus.Processing], null, execution.Error ?? "WorkflowFailed", execution.Cause ?? "The upload workflow ended without a result.", cancellationToken);
                latest = await catalog.GetUploadAsync(session.Id, cancellationToken) ?? latest;
            }

            return latest;
        }

        if (await store.HeadAsync(UploadService.StagingKey(session.Id), cancellationToken) is not null)
        {
            Log.SweepResumedUpload(logger, session.Id);
            await stepFunctions.StartExecutionAsync(
                new StartExecutionRequest(arns.Upload, session.Id, UploadService.WorkflowInput(session).ToJsonString()),
                cancellationToken);
            return session;
        }

        Log.InterruptedUploadFailed(logger, session.Id);
        await catalog.TryUpdateUploadStatusAsync(session.Id, UploadStatus.Failed, [UploadStatus.Processing], null, "UploadInterrupted", "The bytes stopped arriving before the upload was complete; nothing was kept.", cancellationToken);
        return await catalog.GetUploadAsync(session.Id, cancellationToken) ?? session;
    }

    /// <summary>AWS's execution ARN: the state machine's, with <c>stateMachine</c> → <c>execution</c> and the name appended.</summary>
    public static string ExecutionArn(string stateMachineArn, string name) =>
        stateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + name;

    public async Task<ExecutionDescription?> DescribeAsync(string executionArn, CancellationToken cancellationToken)
    {
        try
        {
            return await stepFunctions.DescribeExecutionAsync(executionArn, cancellationToken);
        }
        catch (StepFunctionsException e) when (e.ErrorType == StepFunctionsErrorTypes.ExecutionDoesNotExist)
        {
            return null;
        }
    }
}
