using FileUploader.Lambda.Diagnostics;
using FileUploader.Lambda.Pipeline;
using FileUploader.Lambda.RuntimeApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FileUploader.Lambda.Hosting;

/// <summary>
/// Start-up as the custom runtime contract wants it: build the host, report any failure on <c>/init/error</c> and
/// exit, otherwise run the loop. Exit code 0 when stopped, 1 when initialisation or the Runtime API failed.
/// </summary>
internal static class LambdaBootstrap
{
    public static async Task<int> RunAsync(
        LambdaEnvironment environment,
        RuntimeApiClient client,
        Action<LambdaHostBuilder> configure,
        CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(configure);
        LambdaApplication application;
        try
        {
            var builder = new LambdaHostBuilder(environment, client);
            configure(builder);
            application = builder.Build();
        }
#pragma warning disable CA1031 // Every start-up failure is reported the same way: /init/error, then exit.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            var error = LambdaErrors.From(exception);
            await Console.Error.WriteLineAsync($"Initialisation failed ({error.ErrorType}): {error.ErrorMessage}");
            await client.SendInitErrorAsync(error, stopping);
            return 1;
        }

        await using (application)
        {
            var logger = application.Services.GetRequiredService<ILogger<LambdaApplication>>();
            try
            {
                await application.RunAsync(stopping);
                return 0;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                Log.HostStopping(logger);
                return 0;
            }
#pragma warning disable CA1031 // The Runtime API is gone or broken: log it and exit so Lambda starts afresh.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.RuntimeApiFailed(logger, exception);
                return 1;
            }
        }
    }
}
