namespace FileUploader.Core.Steps;

/// <summary>
/// Declares a workflow step. The class must be sealed and implement <see cref="IStep{TInput, TOutput}"/>.
/// The name is what template.yaml's function Handler and the ASL's Task resources use; the source generator
/// turns every [Step] into an entry of the generated <c>StepRegistry</c> (no reflection, AOT-safe).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class StepAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>One step: JSON in, JSON out (both through <c>StepJsonContext</c>), idempotent.</summary>
public interface IStep<TInput, TOutput>
{
    Task<TOutput> HandleAsync(TInput input, CancellationToken cancellationToken);
}
