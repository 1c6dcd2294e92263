namespace FileUploader.StateMachine.Service;

/// <summary>How the local engine names things. Defaults match the ARNs the rest of the project uses locally.</summary>
public sealed record EngineOptions
{
    public string Region { get; init; } = "us-east-1";

    public string AccountId { get; init; } = "123456789012";

    /// <summary>Used when CreateStateMachine gives no role (the local engine does not check IAM).</summary>
    public string DefaultRoleArn { get; init; } = "arn:aws:iam::123456789012:role/StepFunctionsLocal";

    /// <summary>
    /// With an in-memory journal, how many history events of finished executions stay in memory, where they are the
    /// only copy. Beyond it the oldest finished executions are forgotten, so a long benchmark does not grow without
    /// bound. A durable journal holds every history already: the engine then keeps only the records of finished
    /// executions in memory (all of them, for DescribeExecution and ListExecutions) and reads histories from the journal.
    /// </summary>
    public int MaxRetainedHistoryEvents { get; init; } = 1_000_000;
}
