namespace FileUploader.StateMachine.Service;

/// <summary>How the local engine names things. Defaults match the ARNs the rest of the project uses locally.</summary>
public sealed record EngineOptions
{
    public string Region { get; init; } = "us-east-1";

    public string AccountId { get; init; } = "123456789012";

    /// <summary>Used when CreateStateMachine gives no role (the local engine does not check IAM).</summary>
    public string DefaultRoleArn { get; init; } = "arn:aws:iam::123456789012:role/StepFunctionsLocal";

    /// <summary>
    /// How many history events of finished executions stay in memory. Beyond it the oldest finished executions
    /// are let go: with a durable journal they are still described and listed (history read back from the
    /// journal); with an in-memory journal they are forgotten, so a long benchmark does not grow without bound.
    /// </summary>
    public int MaxRetainedHistoryEvents { get; init; } = 1_000_000;
}
