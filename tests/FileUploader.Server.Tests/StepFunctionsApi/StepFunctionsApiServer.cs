using FileUploader.Server.StepFunctionsApi;
using FileUploader.StateMachine.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>
/// A minimal web app with only the Step Functions endpoint over a real engine (in-memory journal), listening on a
/// real loopback socket so real clients (AWS CLI, boto3, our StepFunctionsClient) reach it as they would the server.
/// </summary>
public sealed class StepFunctionsApiServer : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri Endpoint { get; private set; } = null!;

    public IStepFunctions Engine { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        Engine = TestEngines.CreateInMemory();
        builder.Services.AddSingleton(Engine);
        builder.Services.AddStepFunctionsApi();
        _app = builder.Build();
        _app.MapStepFunctionsApi();
        await _app.StartAsync();

        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Endpoint = new Uri(address.TrimEnd('/') + "/");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (Engine is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else if (Engine is IDisposable syncDisposable)
        {
            syncDisposable.Dispose();
        }
    }
}
