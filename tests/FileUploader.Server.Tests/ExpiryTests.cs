using System.Net;
using FileUploader.Core.Domain;
using FileUploader.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.Server.Tests;

/// <summary>Time moves only when the test says so (FakeTimeProvider injected into the host): no sleeps.</summary>
public sealed class ExpiryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestServer? _server;

    private TestServer Server => _server!;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(configure: services => services.AddSingleton<TimeProvider>(_time));

    public async Task DisposeAsync() => await Server.DisposeAsync();

    [Fact]
    public async Task Upload_ShortTtlPasses_BothLinksAnswer410AndTheBytesAreDeleted()
    {
        var json = await Server.UploadAsync(UploadAndDownloadTests.RandomBytes(1000), "soon-gone.bin", "application/octet-stream", ("expiresIn", "60"));
        var fileId = json.Str("fileId");
        Assert.Equal(HttpStatusCode.OK, (await Server.Client.GetAsync(json.Str("shareUrl"))).StatusCode);

        _time.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal("LinkExpired", await (await Server.Client.GetAsync(json.Str("shareUrl"))).AssertRefusalAsync(HttpStatusCode.Gone));
        Assert.Equal("LinkExpired", await (await Server.Client.GetAsync(json.Str("downloadUrl"))).AssertRefusalAsync(HttpStatusCode.Gone));
        // The expiry workflow's Wait fired on the advanced clock: the bytes really go and the record says so.
        var record = await Poll.UntilAsync(
            () => Server.Catalog.GetFileAsync(fileId, CancellationToken.None),
            r => r?.Status == FileStatus.Expired,
            "the expiry workflow to mark the file expired");
        Assert.Equal(FileStatus.Expired, record!.Status);
        Assert.Null(await Server.Store.HeadAsync($"files/{fileId}", CancellationToken.None));
        Assert.Equal("LinkExpired", await (await Server.Client.GetAsync($"/files/{fileId}/info")).AssertRefusalAsync(HttpStatusCode.Gone));
    }

    [Fact]
    public async Task Upload_BeforeItsTtl_StaysDownloadable()
    {
        var bytes = UploadAndDownloadTests.RandomBytes(1000);
        var json = await Server.UploadAsync(bytes, "kept.bin", "application/octet-stream", ("expiresIn", "120"));

        _time.Advance(TimeSpan.FromSeconds(119));

        Assert.Equal(bytes, await Server.Client.GetByteArrayAsync(json.Str("shareUrl")));
        Assert.Equal(bytes, await Server.Client.GetByteArrayAsync(json.Str("downloadUrl")));
    }

    [Fact]
    public async Task PutUploadTarget_AfterTheUploadUrlExpired_Returns410AndStoresNothing()
    {
        using var init = await Server.Client.PostAsync("/uploads", new StringContent("{\"fileName\":\"late.txt\",\"size\":5}", System.Text.Encoding.UTF8, "application/json"));
        var started = await init.ReadObjectAsync();
        var before = await Server.SnapshotAsync();

        _time.Advance(Server.Options.UploadUrlTtl + TimeSpan.FromSeconds(1));
        using var put = await Server.Client.PutAsync(started.Str("uploadUrl"), new ByteArrayContent("hello"u8.ToArray()));

        Assert.Equal("LinkExpired", await put.AssertRefusalAsync(HttpStatusCode.Gone));
        Assert.True((await Server.SnapshotAsync()).SameAs(before));
        var status = await (await Server.Client.GetAsync($"/uploads/{started.Str("uploadId")}")).ReadObjectAsync();
        Assert.Equal("failed", status.Str("status"));
    }
}
