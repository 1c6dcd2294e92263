using System.Diagnostics;

namespace FileUploader.StateMachine.Diagnostics;

/// <summary>The engine's one ActivitySource: a span per execution and per state. Hosts add OpenTelemetry.</summary>
public static class StateMachineDiagnostics
{
    public const string ActivitySourceName = "FileUploader.StateMachine";

    public const string ExecutionSpan = "stepfunctions.execution";
    public const string StateSpan = "stepfunctions.state";

    public const string ExecutionArnTag = "fileuploader.execution.arn";
    public const string StateMachineArnTag = "fileuploader.statemachine.arn";
    public const string ExecutionStatusTag = "fileuploader.execution.status";
    public const string StateNameTag = "fileuploader.state.name";
    public const string StateTypeTag = "fileuploader.state.type";

    internal static readonly ActivitySource Source = new(ActivitySourceName);
}
