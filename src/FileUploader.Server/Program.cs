using FileUploader.Server;
using FileUploader.Storage.Local;

ServerOptions options;
try
{
    options = ServerOptions.Parse(args) with
    {
        // The one place the environment is read (the OpenTelemetry exporter reads its own variables too).
        OtlpEndpoint = Uri.TryCreate(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"), UriKind.Absolute, out var otlp) ? otlp : null,
    };
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(ServerOptions.Usage);
    return 2;
}

WebApplication app;
try
{
    app = ServerApp.Build(options);
}
catch (DataFolderInUseException e)
{
    // Two servers on one folder would run the same journaled workflows twice: refuse before listening.
    Console.Error.WriteLine(e.Message);
    return 3;
}

await using (app)
{
    await ServerApp.StartAsync(app, CancellationToken.None);
    await app.WaitForShutdownAsync();
}

return 0;
