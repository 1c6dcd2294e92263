namespace FileUploader.StateMachine.Service;

/// <summary>How the local engine names things. Defaults match the ARNs the rest of the project uses locally.</summary>
public sealed record EngineOptions
{
    public string Region { get; init; } = "us-east-1";

    public string AccountId { get; init; } = "123456789012";

    /// <summary>Used when CreateStateMachine gives no role (the local engine does not check IAM).</summary>
    public string DefaultRoleArn { get; init; } = "arn:aws:iam::123456789012:role/StepFunctionsLocal";
}
