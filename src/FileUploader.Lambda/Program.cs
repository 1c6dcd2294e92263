// The provided.al2023 custom runtime's `bootstrap`: read the environment once, then serve the Runtime API.
using System.Runtime.InteropServices;
using FileUploader.Lambda;
using FileUploader.Lambda.Hosting;
using FileUploader.Lambda.HttpApi;
using FileUploader.Lambda.RuntimeApi;

var environment = LambdaEnvironment.FromProcess();
if (environment.RuntimeApi is null)
{
    await Console.Error.WriteLineAsync("AWS_LAMBDA_RUNTIME_API is not set: this program runs as a Lambda custom runtime.");
    return 2;
}

using var stopping = new CancellationTokenSource();
using var onSigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
{
    // Lambda sends SIGTERM on shutdown: leave the loop cleanly instead of dying mid-report.
    signal.Cancel = true;
    stopping.Cancel();
});

using var client = new RuntimeApiClient(environment.RuntimeApi);
return await LambdaBootstrap.RunAsync(
    environment,
    client,
    builder =>
    {
        // One binary for every function: the API (Handler: HttpApi) or a workflow step (Handler: its step name).
        if (environment.Handler == HttpApiInvocationHandler.HandlerName)
        {
            builder.Services.AddFileUploaderHttpApi(environment);
        }
        else
        {
            builder.Services.AddFileUploaderSteps(environment);
        }
    },
    stopping.Token);
