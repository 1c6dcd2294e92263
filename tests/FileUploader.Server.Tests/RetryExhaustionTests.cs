using System.Net;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.Server.Tests;

/// <summary>
/// A transient fault that never clears: Record is retried with backoff (on a fake clock the test moves forward), the
/// retries run out, the compensations undo Store, and the upload fails with the fault's own name.
/// </summary>
public sealed class RetryExhaustionTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private int _attempts;
    private TestServer? _server;

    private TestServer Server => _server!;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(configure: services =>
        {
            services.AddSingleton<TimeProvider>(_time);
            services.Decorate<IFileCatalog>((inner, _) => new FaultyCatalog(inner)
            {
                OnPutFile = _ =>
                {
                    Interlocked.Increment(ref _attempts);
                    return new StepFailedException(ErrorNames.StorageUnavailable, "The catalog is unreachable (injected).", retryable: true);
                },
            });
        });

    public async Task DisposeAsync() => await Server.DisposeAsync();

    [Fact]
    public async Task PostUpload_RecordKeepsFailingTransiently_RetriesThenCompensatesAndKeepsNothing()
    {
        var before = await Server.SnapshotAsync();

        var upload = Server.PostUploadAsync(UploadAndDownloadTests.RandomBytes(10_000), "unlucky.bin", "application/octet-stream");
        // Each backoff waits on the fake clock; move it on until the workflow has given up and answered.
        while (!upload.IsCompleted)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            await Task.WhenAny(upload, Task.Delay(10));
        }

        using var response = await upload;
        Assert.Equal(ErrorNames.StorageUnavailable, await response.AssertRefusalAsync(HttpStatusCode.ServiceUnavailable));
        Assert.Equal(4, _attempts); // the first try and three retries (upload.asl.json: MaxAttempts 3)
        Assert.True((await Server.SnapshotAsync()).SameAs(before));
    }
}
