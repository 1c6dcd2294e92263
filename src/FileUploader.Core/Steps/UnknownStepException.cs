namespace FileUploader.Core.Steps;

/// <summary>
/// No step has this name. Thrown by the generated <c>StepRegistry.InvokeAsync</c>; a Lambda host reports it on
/// <c>/init/error</c> (a misconfigured <c>_HANDLER</c>), the engine as a failed task.
/// </summary>
public sealed class UnknownStepException : Exception
{
    public UnknownStepException(string stepName, IReadOnlyList<string> knownSteps)
        : base($"No step is named '{stepName}'. Known steps: {(knownSteps.Count == 0 ? "(none)" : string.Join(", ", knownSteps))}.")
    {
        StepName = stepName;
        KnownSteps = knownSteps;
    }

    public string StepName { get; }

    public IReadOnlyList<string> KnownSteps { get; }
}
