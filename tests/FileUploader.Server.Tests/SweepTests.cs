using System.Net.Http.Json;
using FileUploader.Core.Domain;
using FileUploader.Server.Hosting;
using FileUploader.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Server.Tests;

/// <summary>The backstop for bytes no workflow owns, and for bytes that arrived without this server's PUT.</summary>
public sealed class SweepTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Sweep_StagedBytesWithoutAnUpload_AreRemoved()
    {
        await using (var bytes = new MemoryStream("left behind by a crash"u8.ToArray()))
        {
            await Server.Store.PutAsync("staging/NoSuchUpload0000000000", bytes, 1000, "text/plain", CancellationToken.None);
        }

        var removed = await Server.Services.GetRequiredService<UploadSweeper>().SweepAsync(CancellationToken.None);

        Assert.True(removed >= 1);
        Assert.Null(await Server.Store.HeadAsync("staging/NoSuchUpload0000000000", CancellationToken.None));
    }

    [Fact]
    public async Task Sweep_PromotedBytesWithoutARecord_AreRemovedOnceNoUploadIsRunning()
    {
        await using (var bytes = new MemoryStream("promoted, never recorded"u8.ToArray()))
        {
            await Server.Store.PutAsync("files/UnrecordedFile00000000000", bytes, 1000, "text/plain", CancellationToken.None);
        }

        await Server.Services.GetRequiredService<UploadSweeper>().SweepAsync(CancellationToken.None);

        Assert.Null(await Server.Store.HeadAsync("files/UnrecordedFile00000000000", CancellationToken.None));
    }

    [Fact]
    public async Task GetUpload_BytesArrivedWithoutThePut_StartsTheWorkflowAndBecomesAvailable()
    {
        // What a pre-signed S3 POST does in AWS: the bytes appear under staging/ and nothing calls this server.
        var content = "arrived by another road"u8.ToArray();
        using var init = await Server.Client.PostAsJsonAsync("/uploads", new { fileName = "side-door.txt", size = content.Length, contentType = "text/plain" });
        var uploadId = (await init.ReadObjectAsync()).Str("uploadId");
        await using (var bytes = new MemoryStream(content))
        {
            await Server.Store.PutAsync($"staging/{uploadId}", bytes, content.Length, "text/plain", CancellationToken.None);
        }

        var status = await Poll.UntilAsync(
            async () => (await (await Server.Client.GetAsync($"/uploads/{uploadId}")).ReadObjectAsync()),
            json => json.Str("status") is "available" or "failed" or "rejected",
            "the upload to settle");

        Assert.Equal("available", status.Str("status"));
        Assert.Equal(content, await Server.Client.GetByteArrayAsync(status.Str("shareUrl")));
        Assert.Equal(UploadStatus.Available, (await Server.Catalog.GetUploadAsync(uploadId, CancellationToken.None))!.Status);
    }
}
