using FileUploader.Api;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Core.Steps;
using FileUploader.Server.Api;
using FileUploader.Server.Diagnostics;
using FileUploader.Server.Hosting;
using FileUploader.Server.Uploads;
using FileUploader.Server.Web;
using FileUploader.Server.Workflow;
using FileUploader.Storage.Aws;
using FileUploader.Storage.Local;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FileUploader.Server;

/// <summary>
/// Composes the server: storage, the local workflow engine, the HTTP API. Program.cs and the tests build it the
/// same way; tests pass <c>configureServices</c> to swap the clock or wrap a port with a fault.
/// </summary>
internal static class ServerApp
{
    public static WebApplication Build(ServerOptions options, Action<IServiceCollection>? configureServices = null)
    {
        Directory.CreateDirectory(options.DataDirectory);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(ServerApp).Assembly.GetName().Name,
        });

        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Endpoints lower this per request; nothing may ever exceed the largest upload plus its form framing.
            kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes + 1024 * 1024;
            // A client trickling a byte a second is cut off instead of holding a connection (and a staging file) forever.
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(options.MinBodyBytesPerSecond, options.MinBodyRateGracePeriod);
            kestrel.Limits.MinResponseDataRate = new MinDataRate(240, TimeSpan.FromSeconds(10));
        });
        builder.Services.Configure<HostOptions>(host =>
        {
            // SIGTERM: stop accepting, let running uploads finish; whatever cannot is already journaled.
            host.ShutdownTimeout = TimeSpan.FromSeconds(30);
        });

        builder.Logging.ClearProviders();
        // Per-request framework chatter would drown the upload lines (and costs throughput); warnings still show.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(console =>
        {
            console.IncludeScopes = true;
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
            console.UseUtcTimestamp = true;
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new UploadPolicy(
            MinBytes: 1,
            MaxBytes: options.MaxUploadBytes,
            DeniedContentTypes: UploadPolicy.ExecutableContentTypes,
            MaxLinkLifetime: options.MaxLinkTtl,
            DefaultLinkLifetime: options.LinkTtl));
        AddStorage(services, options);
        LocalEngine.Add(services, options);
        services.AddSteps();
        services.AddSingleton<InFlightUploads>();
        AddSharedApi(services, options);
        services.AddSingleton<UploadService>();
        services.AddSingleton<UploadReconciler>();
        services.AddSingleton<UploadSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<UploadSweeper>());
        StepFunctionsApi.StepFunctionsApiEndpoints.AddStepFunctionsApi(services);
        AddTracing(services, options);

        configureServices?.Invoke(services);

        var app = builder.Build();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        // The upload page at /, the workflow console, QR codes (static files from wwwroot next to the server).
        var uploadService = app.Services.GetRequiredService<UploadService>();
        app.MapWebPages(uploadService.ShareUrl);
        // Routing after the static files: otherwise GET / would match the Step Functions endpoint's POST / (a 405)
        // before the static file middleware could serve index.html.
        app.UseRouting();
        app.MapGet("/healthz", (HttpContext context) =>
            UploadEndpoints.WriteJsonAsync(context, StatusCodes.Status200OK, new Health("ok"), ApiJsonContext.Api.Health, location: null));
        app.MapSharedApiEndpoints();
        app.MapUploadEndpoints();
        app.MapFileEndpoints();
        // The engine's Step Functions-compatible endpoint (AWS JSON 1.0 on POST /): the AWS CLI and SDKs drive it.
        StepFunctionsApi.StepFunctionsApiEndpoints.MapStepFunctionsApi(app);
        return app;
    }

    /// <summary>Creates or updates the state machines, resumes what the journal says was running, then listens.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        var options = app.Services.GetRequiredService<ServerOptions>();
        // Recover first: it loads the journaled machines, which EnsureCreated then brings up to date.
        await LocalEngine.RecoverAsync(app.Services, cancellationToken);
        await app.Services.GetRequiredService<WorkflowDefinitions>().EnsureCreatedAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        Log.Started(app.Services.GetRequiredService<ILogger<WorkflowDefinitions>>(), options.PublicBaseUrl, options.DataDirectory, options.Storage);
    }

    // The handling shared with the API Lambda, on this server's engine: it starts uploads it finds staged (unless the
    // bucket's EventBridge rule does) and streams counted downloads itself.
    private static void AddSharedApi(IServiceCollection services, ServerOptions options)
    {
        services.AddSingleton(new ApiSettings(options.LinkTtl, options.MaxLinkTtl, options.MaxUploadBytes, options.UploadUrlTtl)
        {
            EventBridgeStartsUploads = options.EventBridgeStartsUploads,
            RedirectDownloads = false,
        });
        services.AddSingleton<EngineWorkflows>();
        services.AddSingleton<IExpiryWorkflow>(sp => sp.GetRequiredService<EngineWorkflows>());
        services.AddSingleton<IUploadWorkflowStarter>(sp => sp.GetRequiredService<EngineWorkflows>());
        services.AddSingleton<UploadSessions>();
        services.AddSingleton(sp => new SessionReconciler(
            sp.GetRequiredService<IFileCatalog>(),
            sp.GetRequiredService<IObjectStore>(),
            sp.GetRequiredService<ApiSettings>(),
            sp.GetRequiredService<ILogger<SessionReconciler>>(),
            sp.GetRequiredService<IUploadWorkflowStarter>(),
            sp.GetRequiredService<InFlightUploads>()));
        services.AddSingleton<FileApi>();
    }

    // The switch point between the embedded default and AWS: everything above the ports is the same.
    private static void AddStorage(IServiceCollection services, ServerOptions options)
    {
        switch (options.Storage)
        {
            case "aws":
                // S3 + DynamoDB (or any compatible endpoint, from AWS_ENDPOINT_URL_*); links are S3 pre-signed URLs, so
                // /download and /upload-target are not served. The engine and its journal stay local.
                services.AddAwsStorage(new AwsStorageOptions { BucketName = options.Bucket!, TableName = options.Table! });
                break;
            default:
                services.AddLocalStorage(options.DataDirectory, options.PublicBaseUrl);
                break;
        }
    }

    private static void AddTracing(IServiceCollection services, ServerOptions options)
    {
        if (options.OtlpEndpoint is null)
        {
            return; // no exporter, no listener: spans cost nothing
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("fileuploader-server"))
            .WithTracing(tracing => tracing
                .AddSource("FileUploader.*")
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
    }
}
