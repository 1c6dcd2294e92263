using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using Microsoft.Extensions.Logging;

namespace FileUploader.Api;

/// <summary>
/// Settles an upload that no request of this process is handling:
/// <list type="bullet">
/// <item>Processing after a crash between "bytes staged" and "workflow started": staged bytes are complete (stores
/// write atomically), so the workflow is started; without bytes the upload is marked failed.</item>
/// <item>Pending with staged bytes: they arrived without this host's PUT (a pre-signed S3 POST, where AWS
/// would start the workflow from an EventBridge rule), so the upload is claimed and its workflow started.</item>
/// <item>Processing whose execution ended without recording an outcome: the execution's error is the outcome.</item>
/// </list>
/// A running workflow is left to finish. When the bucket's EventBridge rule starts every upload's workflow (AWS, or
/// the server's <c>--upload-starter eventbridge</c>), executions are unnamed and cannot be found by upload id: the
/// session, which that execution settles (FinishUpload / FailUpload), is read again, and no second execution whose
/// compensation could undo the first one's work is ever started.
/// </summary>
public sealed class SessionReconciler(
    IFileCatalog catalog,
    IObjectStore store,
    ApiSettings settings,
    ILogger<SessionReconciler> logger,
    IUploadWorkflowStarter? starter = null,
    IActiveUploads? active = null)
{
    public async Task<UploadSession> ReconcileAsync(UploadSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.Status is not (UploadStatus.Processing or UploadStatus.Pending) || active?.Contains(session.Id) == true)
        {
            return session;
        }

        if (settings.EventBridgeStartsUploads || starter is null)
        {
            return await catalog.GetUploadAsync(session.Id, cancellationToken) ?? session;
        }

        if (session.Status == UploadStatus.Pending)
        {
            if (await store.HeadAsync(UploadSessions.StagingKey(session.Id), cancellationToken) is null
                || !await catalog.TryUpdateUploadStatusAsync(session.Id, UploadStatus.Processing, [UploadStatus.Pending], null, null, null, cancellationToken))
            {
                return await catalog.GetUploadAsync(session.Id, cancellationToken) ?? session;
            }

            await starter.StartAsync(session, cancellationToken);
            return session with { Status = UploadStatus.Processing };
        }

        var execution = await starter.DescribeAsync(session.Id, cancellationToken);
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

        if (await store.HeadAsync(UploadSessions.StagingKey(session.Id), cancellationToken) is not null)
        {
            Log.ResumedStagedUpload(logger, session.Id);
            await starter.StartAsync(session, cancellationToken);
            return session;
        }

        Log.InterruptedUploadFailed(logger, session.Id);
        await catalog.TryUpdateUploadStatusAsync(session.Id, UploadStatus.Failed, [UploadStatus.Processing], null, "UploadInterrupted", "The bytes stopped arriving before the upload was complete; nothing was kept.", cancellationToken);
        return await catalog.GetUploadAsync(session.Id, cancellationToken) ?? session;
    }
}
