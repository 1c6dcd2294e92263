using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>Execution ARNs and batches the SQLite journal tests write by hand, without an engine.</summary>
internal static class JournalBatches
{
    public const string MachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:m";

    public static string Arn(int i) => $"arn:aws:states:us-east-1:123456789012:execution:m:e-{i}";

    /// <summary>A batch carrying the execution's record with <paramref name="status"/> (ended unless RUNNING) and one event.</summary>
    public static ExecutionBatch WithRecord(string arn, string status, HistoryEvent e, string definition, DateTimeOffset at) => new(
        arn,
        new ExecutionRecord(arn, MachineArn, arn[(arn.LastIndexOf(':') + 1)..], status, at, status == "RUNNING" ? null : at, "{}",
            status == "RUNNING" ? null : "{}", null, null, definition, "role", null),
        [e],
        [],
        [],
        DeleteAllFrames: false);
}
