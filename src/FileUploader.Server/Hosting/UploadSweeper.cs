using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Server.Diagnostics;
using FileUploader.Server.Uploads;
using FileUploader.Server.Workflow;
using FileUploader.StateMachine.Service;

namespace FileUploader.Server.Hosting;

/// <summary>
/// The backstop for what no workflow owns: staged bytes of abandoned or interrupted uploads, and promoted objects
/// that no record points at. Runs at start (after the journal is recovered) and then every sweep interval.
/// </summary>
internal sealed class UploadSweeper(
    IFileCatalog catalog,
    IObjectStore store,
    IStepFunctions stepFunctions,
    WorkflowArns arns,
    InFlightUploads inFlight,
    UploadReconciler reconciler,
    ServerOptions options,
    TimeProvider time,
    ILogger<UploadSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.SweepFailed(logger, e);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>One pass; returns how many objects it removed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var removed = 0;
        await foreach (var key in store.ListKeysAsync("staging/", cancellationToken))
        {
            var uploadId = UploadService.UploadIdFromStagingKey(key);
            if (uploadId is not null && inFlight.Contains(uploadId))
            {
                continue;
            }

            var session = uploadId is null ? null : await catalog.GetUploadAsync(uploadId, cancellationToken);
            string reason;
            if (session is null)
            {
                reason = "no upload owns it";
            }
            else if (options.EventBridgeStartsUploads && session.Status is UploadStatus.Processing or UploadStatus.Pending)
            {
                // The rule's execution owns the bytes; the bucket's staging/ lifecycle rule is the backstop.
                continue;
            }
            else if (session.Status is UploadStatus.Processing or UploadStatus.Pending)
            {
                session = await reconciler.ReconcileAsync(session, cancellationToken);
                var execution = await reconciler.DescribeAsync(UploadReconciler.ExecutionArn(arns.Upload, session.Id), cancellationToken);
                if (session.Status == UploadStatus.Processing || execution?.Status == "RUNNING")
                {
                    continue; // its workflow owns the bytes now
                }

                reason = $"the upload ended {session.Status}";
            }
            else
            {
                reason = $"the upload is {session.Status}";
            }

            if (await store.DeleteAsync(key, cancellationToken))
            {
                removed++;
                Log.SweptStaging(logger, key, reason);
            }
        }

        // With the EventBridge starter the executions run elsewhere and this engine cannot see whether one is between
        // Store and Record: the files/ lifecycle rule is the backstop then.
        if (!options.EventBridgeStartsUploads)
        {
            removed += await SweepUnrecordedFilesAsync(cancellationToken);
        }

        return removed;
    }

    // A promoted object with no record is what a workflow that died between Store and Record leaves if it is never
    // resumed. While any upload workflow runs, its Record may be moments away, so the sweep waits for a quiet moment.
    private async Task<int> SweepUnrecordedFilesAsync(CancellationToken cancellationToken)
    {
        var candidates = new List<string>();
        await foreach (var key in store.ListKeysAsync("files/", cancellationToken))
        {
            var fileId = key["files/".Length..];
            if (await catalog.GetFileAsync(fileId, cancellationToken) is null)
            {
                candidates.Add(key);
            }
        }

        if (candidates.Count == 0)
        {
            return 0;
        }

        var running = await stepFunctions.ListExecutionsAsync(new ListExecutionsRequest(arns.Upload, "RUNNING", 1, null), cancellationToken);
        if (running.Items.Count > 0)
        {
            return 0;
        }

        var removed = 0;
        foreach (var key in candidates)
        {
            if (await catalog.GetFileAsync(key["files/".Length..], cancellationToken) is null && await store.DeleteAsync(key, cancellationToken))
            {
                removed++;
                Log.SweptStaging(logger, key, "no record points at it");
            }
        }

        return removed;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
