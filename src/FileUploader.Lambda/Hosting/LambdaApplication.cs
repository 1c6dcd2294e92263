using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.Lambda.Diagnostics;
using FileUploader.Lambda.Pipeline;
using FileUploader.Lambda.RuntimeApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FileUploader.Lambda.Hosting;

/// <summary>
/// The invocation loop: next → pipeline → response or error, until stopped. A handler's exception is an /error
/// report and the loop goes on; only a failing Runtime API ends it (Lambda then replaces the sandbox).
/// </summary>
internal sealed class LambdaApplication(ServiceProvider services, RuntimeApiClient client, InvocationDelegate pipeline) : IAsyncDisposable
{
    private readonly ILogger _logger = services.GetRequiredService<ILogger<LambdaApplication>>();

    public IServiceProvider Services => services;

    public async Task RunAsync(CancellationToken stopping)
    {
        var environment = services.GetRequiredService<LambdaEnvironment>();
        Log.HostReady(_logger, environment.Handler ?? "(none)", environment.FunctionName);
        while (!stopping.IsCancellationRequested)
        {
            var invocation = await client.GetNextInvocationAsync(stopping);
            var context = await InvokeAsync(invocation, stopping);
            try
            {
                if (context.Error is { } error)
                {
                    await client.SendErrorAsync(invocation.RequestId, error, stopping);
                }
                else
                {
                    await client.SendResponseAsync(invocation.RequestId, Serialize(context.Output), stopping);
                }
            }
            catch (RuntimeApiException exception) when ((int)exception.StatusCode is >= 400 and < 500)
            {
                // Lambda refused this one answer (e.g. 413: over the 6 MB response limit) and fails the
                // invocation itself; the sandbox is fine, so take the next event. A 5xx still ends the host.
                Log.AnswerRejected(_logger, (int)exception.StatusCode, exception);
            }
        }
    }

    /// <summary>Runs one invocation through the pipeline in its own DI scope; never throws for a handler failure.</summary>
    public async Task<InvocationContext> InvokeAsync(LambdaInvocation invocation, CancellationToken stopping)
    {
        await using var scope = services.CreateAsyncScope();
        var context = new InvocationContext(invocation, scope.ServiceProvider, stopping);
        try
        {
            await pipeline(context);
        }
#pragma warning disable CA1031 // A pipeline without the error middleware must not end the loop either.
        catch (Exception exception) when (!stopping.IsCancellationRequested)
#pragma warning restore CA1031
        {
            context.Error = LambdaErrors.From(exception);
            Log.InvocationFailed(_logger, context.Error.ErrorType, exception);
        }

        return context;
    }

    public ValueTask DisposeAsync() => services.DisposeAsync();

    private static byte[] Serialize(JsonNode? output)
    {
        if (output is null)
        {
            return "null"u8.ToArray();
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            output.WriteTo(writer);
        }

        return buffer.ToArray();
    }
}
