using FileUploader.Core.Domain;

namespace FileUploader.Api;

/// <summary>
/// The expiry workflow as the API needs it: revoking a file stops the execution that waits to expire it (named after
/// the file). The local server's engine implements it; in AWS, Step Functions' <c>StopExecution</c>.
/// </summary>
public interface IExpiryWorkflow
{
    /// <summary>Stops the file's expiry execution. One that finished or never started is not an error.</summary>
    Task StopAsync(string fileId, string error, string cause, CancellationToken cancellationToken);
}

/// <summary>
/// Starting and reading an upload's workflow by the upload id (its execution is named after it). Only a host whose
/// own engine runs uploads has one (the local server); in AWS the EventBridge rule starts executions unnamed, and the
/// API reads the session they settle instead.
/// </summary>
public interface IUploadWorkflowStarter
{
    /// <summary>Starts the upload's execution; a second start of the same upload is harmless.</summary>
    Task StartAsync(UploadSession session, CancellationToken cancellationToken);

    /// <summary>The upload's execution, or null when there is none.</summary>
    Task<UploadExecution?> DescribeAsync(string uploadId, CancellationToken cancellationToken);
}

/// <param name="Status">Step Functions' status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED.</param>
public sealed record UploadExecution(string Status, string? Error, string? Cause);

/// <summary>Uploads a request of this process is handling right now; the reconciler leaves them alone.</summary>
public interface IActiveUploads
{
    bool Contains(string uploadId);
}
