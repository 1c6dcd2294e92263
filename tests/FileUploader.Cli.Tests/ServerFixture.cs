using FileUploader.Testing.Fixtures;

namespace FileUploader.Cli.Tests;

/// <summary>One real server process for the CLI tests, on a fresh data folder.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private ServerProcess? _server;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("fu-cli-data-").FullName;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(DataDirectory);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(DataDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
