using FileUploader.Server.StepFunctionsApi;
using FileUploader.StateMachine.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
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

    /// <summary>The last request the server received, as it arrived.</summary>
    public CapturedRequest? LastRequest { get; private set; }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        Engine = TestEngines.CreateInMemory();
        builder.Services.AddSingleton(Engine);
        builder.Services.AddStepFunctionsApi();
        _app = builder.Build();
        _app.Use(async (context, next) =>
        {
            // Keep the last request as it arrived, so a test can check what a client sent (its SigV4 signature).
            context.Request.EnableBuffering();
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            context.Request.Body.Position = 0;
            LastRequest = new CapturedRequest(
                context.Request.Method,
                $"{context.Request.Scheme}://{context.Request.Host}{context.Request.Path}{context.Request.QueryString}",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body.ToArray());
            await next(context);
        });
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

public sealed record CapturedRequest(string Method, string Url, IReadOnlyDictionary<string, string> Headers, byte[] Body);
