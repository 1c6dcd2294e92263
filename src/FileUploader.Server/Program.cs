using FileUploader.Server;

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

await using var app = ServerApp.Build(options);
await ServerApp.StartAsync(app, CancellationToken.None);
await app.WaitForShutdownAsync();
return 0;
