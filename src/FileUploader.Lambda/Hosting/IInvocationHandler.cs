using System.Text.Json.Nodes;
using FileUploader.Core.Steps;
using FileUploader.Lambda.Pipeline;

namespace FileUploader.Lambda.Hosting;

/// <summary>What the pipeline's last step calls: the function's code for one parsed event.</summary>
internal interface IInvocationHandler
{
    /// <summary>Throws when the function cannot run at all (reported on <c>/init/error</c>, before the first event).</summary>
    void EnsureReady();

    Task<JsonNode?> HandleAsync(JsonNode? input, InvocationContext context);
}

/// <summary>Runs the step <c>_HANDLER</c> names through the generated <see cref="StepRegistry"/>: no reflection.</summary>
internal sealed class StepInvocationHandler(LambdaEnvironment environment) : IInvocationHandler
{
    public void EnsureReady()
    {
        if (environment.Handler is null)
        {
            throw new InvalidOperationException("_HANDLER is not set: the function's Handler must name a step.");
        }

        if (!StepRegistry.StepNames.Contains(environment.Handler, StringComparer.Ordinal))
        {
            throw new UnknownStepException(environment.Handler, StepRegistry.StepNames);
        }
    }

    public Task<JsonNode?> HandleAsync(JsonNode? input, InvocationContext context) =>
        StepRegistry.InvokeAsync(environment.Handler!, context.Services, input, context.CancellationToken);
}
