using System.Net;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Server.Tests.Infrastructure;

namespace FileUploader.Server.Tests;

/// <summary>A port that fails for good mid-workflow: the compensations undo what was done and the upload says failed.</summary>
public sealed class CompensationTests : IAsyncLifetime
{
    private FaultyCatalog? _catalog;
    private DiskFullStore? _store;
    private TestServer? _server;

    private TestServer Server => _server!;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(configure: services =>
        {
            services.Decorate<IFileCatalog>((inner, _) => _catalog = new FaultyCatalog(inner));
            services.Decorate<IObjectStore>((inner, _) => _store = new DiskFullStore(inner));
        });

    public async Task DisposeAsync() => await Server.DisposeAsync();

    [Fact]
    public async Task PostUpload_RecordFailsForGood_CompensatesAndKeepsNothing()
    {
        var before = await Server.SnapshotAsync();
        string? failedFileId = null;
        _ = Server.Catalog; // resolves the decorated catalog, so it can be armed
        _catalog!.OnPutFile = record =>
        {
            failedFileId = record.Id;
            return new StepFailedException(ErrorNames.Conflict, "Another execution owns this record (injected).");
        };

        using var response = await Server.PostUploadAsync(UploadAndDownloadTests.RandomBytes(10_000), "doomed.bin", "application/octet-stream");

        Assert.Equal(ErrorNames.Conflict, await response.AssertRefusalAsync(HttpStatusCode.Conflict));
        Assert.NotNull(failedFileId);
        // Store had promoted the bytes; DeleteObject took them back, DeleteStaging found nothing left to remove.
        Assert.True((await Server.SnapshotAsync()).SameAs(before), (await Server.SnapshotAsync()).ToString());
        Assert.Null(await Server.Catalog.GetFileAsync(failedFileId!, CancellationToken.None));
        _catalog.OnPutFile = _ => null;
    }

    [Fact]
    public async Task PostUpload_RecordFailsForGood_UploadStatusSaysFailedWithTheOriginalError()
    {
        _ = Server.Catalog;
        _catalog!.OnPutFile = _ => new StepFailedException(ErrorNames.Conflict, "Injected conflict.");
        using (var init = await Server.Client.PostAsync("/uploads", new StringContent("{\"fileName\":\"a.txt\",\"size\":5}", System.Text.Encoding.UTF8, "application/json")))
        {
            var started = await init.ReadObjectAsync();
            using var put = await Server.Client.PutAsync(started.Str("uploadUrl"), new ByteArrayContent("hello"u8.ToArray()));
            await put.AssertRefusalAsync(HttpStatusCode.Conflict);

            var status = await (await Server.Client.GetAsync($"/uploads/{started.Str("uploadId")}")).ReadObjectAsync();
            Assert.Equal("failed", status.Str("status"));
            Assert.Equal(ErrorNames.Conflict, status.Str("error"));
        }

        _catalog.OnPutFile = _ => null;
    }

    [Fact]
    public async Task PostUpload_DiskFull_Returns507AndLeavesNoPartialObject()
    {
        var before = await Server.SnapshotAsync();
        _ = Server.Store;
        _store!.Full = true;
        try
        {
            using var response = await Server.PostUploadAsync(UploadAndDownloadTests.RandomBytes(100_000), "big.bin", "application/octet-stream");

            Assert.Equal(ErrorNames.InsufficientStorage, await response.AssertRefusalAsync(HttpStatusCode.InsufficientStorage));
            Assert.True((await Server.SnapshotAsync()).SameAs(before));
        }
        finally
        {
            _store.Full = false;
        }
    }
}
