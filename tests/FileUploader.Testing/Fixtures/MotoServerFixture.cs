using System.Diagnostics;
using Xunit;

namespace FileUploader.Testing.Fixtures;

/// <summary>
/// moto's server (S3, DynamoDB, Step Functions and more on one port) from the machine's Python, on a free loopback
/// port. Set <c>FILEUPLOADER_TEST_MOTO_URL</c> to use a running endpoint instead.
/// </summary>
public sealed class MotoServerFixture : LoopbackServer, IAsyncLifetime
{
    public const string EndpointVariableName = "FILEUPLOADER_TEST_MOTO_URL";

    protected override string EndpointVariable => EndpointVariableName;

    Task IAsyncLifetime.InitializeAsync() => StartAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override ProcessStartInfo CreateStartInfo(int port)
    {
        var start = new ProcessStartInfo("moto_server");
        start.ArgumentList.Add("-H");
        start.ArgumentList.Add("127.0.0.1");
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return start;
    }
}
