using System.Net;
using FileUploader.Server.Tests.Infrastructure;

namespace FileUploader.Server.Tests;

public sealed class DownloadLimitTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task GetFile_200ParallelDownloadsOnALimitOf10_ExactlyTenSucceed()
    {
        var bytes = UploadAndDownloadTests.RandomBytes(20_000);
        var json = await Server.UploadAsync(bytes, "popular.bin", "application/octet-stream", ("maxDownloads", "10"));
        var shareUrl = json.Str("shareUrl");
        using var start = new ManualResetEventSlim();

        var attempts = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            using var response = await Server.Client.GetAsync(shareUrl);
            var body = await response.Content.ReadAsByteArrayAsync();
            return (response.StatusCode, body);
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(attempts);

        var served = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Equal(10, served.Count);
        Assert.All(served, r => Assert.Equal(bytes, r.body));
        Assert.Equal(190, results.Count(r => r.StatusCode == HttpStatusCode.Gone));
        var info = await (await Server.Client.GetAsync($"/files/{json.Str("fileId")}/info")).ReadObjectAsync();
        Assert.Equal(10, info["downloadCount"]!.GetValue<long>());
    }
}
