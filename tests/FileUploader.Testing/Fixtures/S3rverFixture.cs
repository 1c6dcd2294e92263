using System.Diagnostics;
using Xunit;

namespace FileUploader.Testing.Fixtures;

/// <summary>
/// The npm <c>s3rver</c> (tools/node_modules, installed by test.sh) on a free loopback port, storing in a temporary
/// folder that is removed on dispose. It checks SigV4 signatures against its fixed key pair S3RVER/S3RVER.
/// Set <c>FILEUPLOADER_TEST_S3RVER_URL</c> to use a running endpoint instead.
/// </summary>
public sealed class S3rverFixture : LoopbackServer, IAsyncLifetime
{
    public const string EndpointVariableName = "FILEUPLOADER_TEST_S3RVER_URL";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "s3rver-" + Guid.NewGuid().ToString("N"));

    public override string AccessKeyId => "S3RVER";

    public override string SecretAccessKey => "S3RVER";

    protected override string EndpointVariable => EndpointVariableName;

    Task IAsyncLifetime.InitializeAsync() => StartAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    protected override ProcessStartInfo CreateStartInfo(int port)
    {
        Directory.CreateDirectory(_directory);
        var start = new ProcessStartInfo(Path.Combine(RepositoryPaths.Root, "tools", "node_modules", ".bin", "s3rver"));
        foreach (var argument in new[] { "-d", _directory, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--no-vhost-buckets" })
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
