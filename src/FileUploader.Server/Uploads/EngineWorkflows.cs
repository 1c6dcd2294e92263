using FileUploader.Api;
using FileUploader.Core.Domain;
using FileUploader.Server.Workflow;
using FileUploader.StateMachine.Service;

namespace FileUploader.Server.Uploads;

/// <summary>The shared handling's workflow ports on the embedded engine: executions are named after the upload or file.</summary>
internal sealed class EngineWorkflows(IStepFunctions stepFunctions, WorkflowArns arns) : IExpiryWorkflow, IUploadWorkflowStarter
{
    public async Task StopAsync(string fileId, string error, string cause, CancellationToken cancellationToken)
    {
        try
        {
            await stepFunctions.StopExecutionAsync(UploadReconciler.ExecutionArn(arns.Expiry, fileId), error, cause, cancellationToken);
        }
        catch (StepFunctionsException)
        {
            // Already finished or never scheduled: either way nothing waits on it.
        }
    }

    public Task StartAsync(UploadSession session, CancellationToken cancellationToken) =>
        stepFunctions.StartExecutionAsync(
            new StartExecutionRequest(arns.Upload, session.Id, UploadService.WorkflowInput(session).ToJsonString()),
            cancellationToken);

    public async Task<UploadExecution?> DescribeAsync(string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            var execution = await stepFunctions.DescribeExecutionAsync(UploadReconciler.ExecutionArn(arns.Upload, uploadId), cancellationToken);
            return new UploadExecution(execution.Status, execution.Error, execution.Cause);
        }
        catch (StepFunctionsException e) when (e.ErrorType == StepFunctionsErrorTypes.ExecutionDoesNotExist)
        {
            return null;
        }
    }
}
