using System.Diagnostics;
using Xunit;

namespace FileUploader.Testing.Fixtures;

/// <summary>
/// The npm <c>dynalite</c> DynamoDB server (tools/node_modules, installed by test.sh), in memory, on a free
/// loopback port; tables become ACTIVE at once. Set <c>FILEUPLOADER_TEST_DYNALITE_URL</c> to use a running
/// endpoint instead.
/// </summary>
public sealed class DynaliteFixture : LoopbackServer, IAsyncLifetime
{
    public const string EndpointVariableName = "FILEUPLOADER_TEST_DYNALITE_URL";

    protected override string EndpointVariable => EndpointVariableName;

    Task IAsyncLifetime.InitializeAsync() => StartAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override ProcessStartInfo CreateStartInfo(int port)
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryPaths.Root, "tools", "node_modules", ".bin", "dynalite"));
        foreach (var argument in new[] { "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0" })
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
