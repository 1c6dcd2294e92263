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
    /// bound. A durable journal holds every history already: the engine reads histories from it (see
    /// <see cref="MaxRetainedRecords"/> for records).
    /// </summary>
    public int MaxRetainedHistoryEvents { get; init; } = 1_000_000;

    /// <summary>
    /// With a durable journal, how many records of executions that finished in this process the engine keeps in memory
    /// (a few hundred bytes each), so a DescribeExecution of a recent one does not read the journal. Older ones, and
    /// those that finished before the engine started, are read from the journal when asked for: a service that runs
    /// for months does not keep a record per execution it ever ran.
    /// </summary>
    public int MaxRetainedRecords { get; init; } = 10_000;
}
