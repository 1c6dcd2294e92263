namespace FileUploader.Server.Tests.Infrastructure;

/// <summary>One server per test class (xunit runs a class's tests one after another, so snapshots of its data folder are exact).</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const long MaxUploadBytes = 4 * 1024 * 1024;

    private TestServer? _server;

    internal TestServer Server => _server ?? throw new InvalidOperationException("The server is not started.");

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(options => options with { MaxUploadBytes = MaxUploadBytes, MinBodyRateGracePeriod = TimeSpan.FromSeconds(2) });

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
