using System.Text.Json.Nodes;
using FileUploader.Core.Domain;
using FileUploader.Lambda.Hosting;
using FileUploader.Lambda.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FileUploader.Lambda.Tests.InProcess;

/// <summary>
/// A handler whose behaviour the event chooses, for driving the host's loop and pipeline in-process:
/// <c>{"echo": x}</c> answers x, <c>{"fail": "Name"}</c> throws a StepFailedException with that name,
/// <c>{"throw": "message"}</c> throws an InvalidOperationException, <c>{"waitForCancellation": true}</c>
/// waits until the invocation's token fires.
/// </summary>
internal sealed class ScriptedHandler : IInvocationHandler
{
    private readonly TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Ready { get; init; } = true;

    /// <summary>Completes when a <c>waitForCancellation</c> event is waiting.</summary>
    public Task Waiting => _waiting.Task;

    public string? LastRequestId { get; private set; }

    public void EnsureReady()
    {
        if (!Ready)
        {
            throw new StepFailedException("NotReady", "The scripted handler was told not to start.");
        }
    }

    public async Task<JsonNode?> HandleAsync(JsonNode? input, InvocationContext context)
    {
        LastRequestId = context.RequestId;
        if (input?["fail"] is { } name)
        {
            throw new StepFailedException(name.GetValue<string>(), "scripted failure");
        }

        if (input?["throw"] is { } message)
        {
            throw new InvalidOperationException(message.GetValue<string>());
        }

        if (input?["waitForCancellation"] is not null)
        {
            _waiting.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
        }

        return input?["echo"]?.DeepClone();
    }
}

internal static class TestHost
{
    /// <summary>Host configuration for in-process tests: the scripted handler, no console noise.</summary>
    public static Action<LambdaHostBuilder> With(ScriptedHandler handler, TimeProvider? time = null) => builder =>
    {
        builder.Services.AddSingleton<IInvocationHandler>(handler);
        builder.Services.AddLogging(logging => logging.ClearProviders());
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }
    };

    public static LambdaEnvironment Environment(string runtimeApi, string handler = "Scripted", string? traceId = null) =>
        LambdaEnvironment.From(name => name switch
        {
            "AWS_LAMBDA_RUNTIME_API" => runtimeApi,
            "_HANDLER" => handler,
            "AWS_LAMBDA_FUNCTION_NAME" => "fileuploader-test",
            "_X_AMZN_TRACE_ID" => traceId,
            _ => null,
        });
}
