using FileUploader.Api;
using FileUploader.Core.Domain;
using FileUploader.StateMachine.Service;

namespace FileUploader.Server.Uploads;

/// <summary>
/// The server's handle on the shared <see cref="SessionReconciler"/> (what settles an upload no request is handling),
/// plus reading an execution of the embedded engine by ARN, which the sweep needs.
/// </summary>
internal sealed class UploadReconciler(SessionReconciler reconciler, IStepFunctions stepFunctions)
{
    public Task<UploadSession> ReconcileAsync(UploadSession session, CancellationToken cancellationToken) =>
        reconciler.ReconcileAsync(session, cancellationToken);

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
