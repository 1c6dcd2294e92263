using System.Diagnostics;
using Xunit;

namespace FileUploader.Testing.Fixtures;

/// <summary>
/// moto's own WSGI app served one request at a time. moto_server is threaded and its DynamoDB backend takes no
/// per-item lock, so a conditional UpdateItem is not atomic there (200 racing claims on a 10-download limit
/// counted 13 in one run), which real DynamoDB and dynalite guarantee. Served serially, each request is
/// atomic, as in DynamoDB; an adapter that read, then wrote, would still over-count, because its two requests
/// interleave with other clients'. Set <c>FILEUPLOADER_TEST_MOTO_URL</c> to use a running endpoint instead.
/// </summary>
public sealed class SerialMotoServerFixture : LoopbackServer, IAsyncLifetime
{
    private const string Launcher =
        "import sys\n"
        + "from werkzeug.serving import run_simple\n"
        + "from moto.server import DomainDispatcherApplication, create_backend_app\n"
        + "run_simple('127.0.0.1', int(sys.argv[1]), DomainDispatcherApplication(create_backend_app), threaded=False)\n";

    protected override string EndpointVariable => MotoServerFixture.EndpointVariableName;

    Task IAsyncLifetime.InitializeAsync() => StartAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override ProcessStartInfo CreateStartInfo(int port)
    {
        var start = new ProcessStartInfo("python3");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Launcher);
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return start;
    }
}
