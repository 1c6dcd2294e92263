using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.Lambda.Pipeline;
using FileUploader.Lambda.RuntimeApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace FileUploader.Lambda.Hosting;

/// <summary>
/// Services and the invocation pipeline of one Lambda host. The default pipeline is log scope → trace →
/// error mapping → deadline → handler; <see cref="ConfigurePipeline"/> replaces it.
/// </summary>
internal sealed class LambdaHostBuilder
{
    private Action<InvocationPipelineBuilder, IServiceProvider> _configurePipeline = DefaultPipeline;

    public LambdaHostBuilder(LambdaEnvironment environment, RuntimeApiClient client)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(client);
        Environment = environment;
        Client = client;
        Services.AddSingleton(environment);
        Services.TryAddSingleton(TimeProvider.System);
        Services.AddLogging(logging => logging
            .SetMinimumLevel(ParseLogLevel(environment.LogLevel))
            .AddJsonConsole(options => options.IncludeScopes = true));
        Services.AddSingleton<LogScopeMiddleware>();
        Services.AddSingleton<TracingMiddleware>();
        Services.AddSingleton<ErrorMiddleware>();
        Services.AddSingleton<DeadlineMiddleware>();
        Services.TryAddSingleton<IInvocationHandler, StepInvocationHandler>();
    }

    public LambdaEnvironment Environment { get; }

    public RuntimeApiClient Client { get; }

    public IServiceCollection Services { get; } = new ServiceCollection();

    public LambdaHostBuilder ConfigurePipeline(Action<InvocationPipelineBuilder, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configurePipeline = configure;
        return this;
    }

    /// <summary>Builds the container and the pipeline, then checks the handler can run (else throws).</summary>
    public LambdaApplication Build()
    {
        var services = Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            var handler = services.GetRequiredService<IInvocationHandler>();
            handler.EnsureReady();
            var pipeline = new InvocationPipelineBuilder();
            _configurePipeline(pipeline, services);
            return new LambdaApplication(services, Client, pipeline.Build(context => RunHandlerAsync(handler, context)));
        }
        catch
        {
            services.Dispose();
            throw;
        }
    }

    private static void DefaultPipeline(InvocationPipelineBuilder pipeline, IServiceProvider services) => pipeline
        .UseMiddleware<LogScopeMiddleware>(services)
        .UseMiddleware<TracingMiddleware>(services)
        .UseMiddleware<ErrorMiddleware>(services)
        .UseMiddleware<DeadlineMiddleware>(services);

    // The event is parsed inside the pipeline, so a payload that is not JSON fails this invocation only.
    private static async Task RunHandlerAsync(IInvocationHandler handler, InvocationContext context)
    {
        var input = JsonNode.Parse(context.Invocation.Payload.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
        context.Output = await handler.HandleAsync(input, context);
    }

    private static LogLevel ParseLogLevel(string? level) => level?.ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "WARN" or "WARNING" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "FATAL" or "CRITICAL" => LogLevel.Critical,
        _ => LogLevel.Information,
    };
}
