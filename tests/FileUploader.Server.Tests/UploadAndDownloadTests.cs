using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FileUploader.Server.Tests.Infrastructure;

namespace FileUploader.Server.Tests;

/// <summary>The journeys a user takes, over a real socket: both ways in, both links out, counting, previews, revocation.</summary>
public sealed class UploadAndDownloadTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task PostUpload_MultipartFile_Returns201WithLinksChecksumAndToken()
    {
        var bytes = RandomBytes(100_000);

        var json = await Server.UploadAsync(bytes, "report.bin", "application/octet-stream");

        Assert.Equal("report.bin", json.Str("fileName"));
        Assert.Equal(bytes.Length, json["size"]!.GetValue<long>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), json.Str("sha256"));
        Assert.StartsWith(Server.BaseUrl + "download/files/", json.Str("downloadUrl"), StringComparison.Ordinal);
        Assert.Equal($"{Server.BaseUrl}files/{json.Str("fileId")}", json.Str("shareUrl"));
        Assert.False(string.IsNullOrEmpty(json.Str("deleteToken")));
        var expiresAt = json["expiresAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public async Task ShareAndDownloadLinks_SameFile_ServeIdenticalBytes()
    {
        var bytes = RandomBytes(300_000);
        var json = await Server.UploadAsync(bytes, "photo.raw", "application/octet-stream");

        var viaShare = await Server.Client.GetByteArrayAsync(json.Str("shareUrl"));
        var viaDirect = await Server.Client.GetByteArrayAsync(json.Str("downloadUrl"));

        Assert.Equal(bytes, viaShare);
        Assert.Equal(bytes, viaDirect);
    }

    [Fact]
    public async Task PostUploads_ThenSignedPut_MakesTheFileAvailable()
    {
        var bytes = Encoding.UTF8.GetBytes("two-step upload, as the CLI and AWS do it\n");
        using var init = await Server.Client.PostAsJsonAsync("/uploads", new { fileName = "notes.txt", size = bytes.Length, contentType = "text/plain" });
        Assert.Equal(HttpStatusCode.Created, init.StatusCode);
        var started = await init.ReadObjectAsync();
        Assert.Equal("PUT", started.Str("method"));
        Assert.Empty(started["fields"]!.AsObject());
        var uploadId = started.Str("uploadId");

        var pending = await (await Server.Client.GetAsync($"/uploads/{uploadId}")).ReadObjectAsync();
        Assert.Equal("pending", pending.Str("status"));

        using var put = await Server.Client.PutAsync(started.Str("uploadUrl"), new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var done = await (await Server.Client.GetAsync($"/uploads/{uploadId}")).ReadObjectAsync();

        Assert.Equal("available", done.Str("status"));
        Assert.Equal("notes.txt", done.Str("fileName"));
        Assert.Equal(bytes, await Server.Client.GetByteArrayAsync(done.Str("shareUrl")));
        Assert.Equal(bytes, await Server.Client.GetByteArrayAsync(done.Str("downloadUrl")));
    }

    [Fact]
    public async Task GetFile_EachDownload_IsCountedInInfo()
    {
        var json = await Server.UploadAsync(RandomBytes(1000));
        var fileId = json.Str("fileId");

        for (var i = 0; i < 3; i++)
        {
            using var response = await Server.Client.GetAsync($"/files/{fileId}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var info = await (await Server.Client.GetAsync($"/files/{fileId}/info")).ReadObjectAsync();
        Assert.Equal(3, info["downloadCount"]!.GetValue<long>());
        Assert.Equal("available", info.Str("status"));
    }

    [Theory]
    [InlineData("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)")]
    [InlineData("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)")]
    [InlineData("Twitterbot/1.0")]
    [InlineData("WhatsApp/2.23.20.0 A")]
    [InlineData("TelegramBot (like TwitterBot)")]
    [InlineData("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) SkypeUriPreview Preview/0.5")]
    [InlineData("Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0 Safari/537.36 MicrosoftPreview/2.0")]
    [InlineData("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)")]
    public async Task GetFile_LinkPreviewBot_GetsNameAndSizeButNoBytesAndNoCount(string userAgent)
    {
        var bytes = RandomBytes(5000);
        var json = await Server.UploadAsync(bytes, "holiday.jpg.bin", "application/octet-stream", ("maxDownloads", "1"));
        var fileId = json.Str("fileId");

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/files/{fileId}");
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        using var preview = await Server.Client.SendAsync(request);
        var page = await preview.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Contains("holiday.jpg.bin", page, StringComparison.Ordinal);
        Assert.DoesNotContain(Encoding.Latin1.GetString(bytes, 0, 64), page, StringComparison.Ordinal);
        var info = await (await Server.Client.GetAsync($"/files/{fileId}/info")).ReadObjectAsync();
        Assert.Equal(0, info["downloadCount"]!.GetValue<long>());
        // The one-time link still works for the person it was sent to.
        Assert.Equal(bytes, await Server.Client.GetByteArrayAsync($"/files/{fileId}"));
    }

    [Fact]
    public async Task HeadFile_OneTimeLink_ShowsSizeAndLeavesTheDownload()
    {
        var bytes = RandomBytes(4321);
        var json = await Server.UploadAsync(bytes, "a.bin", "application/octet-stream", ("maxDownloads", "1"));
        var fileId = json.Str("fileId");

        using var head = await Server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/files/{fileId}"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(4321, head.Content.Headers.ContentLength);
        Assert.Equal(bytes, await Server.Client.GetByteArrayAsync($"/files/{fileId}"));
        using var second = await Server.Client.GetAsync($"/files/{fileId}");
        Assert.Equal("DownloadLimitReached", await second.AssertRefusalAsync(HttpStatusCode.Gone));
    }

    [Fact]
    public async Task GetFile_ByteRange_Returns206WithThatSlice()
    {
        var bytes = RandomBytes(10_000);
        var json = await Server.UploadAsync(bytes);
        using var request = new HttpRequestMessage(HttpMethod.Get, json.Str("downloadUrl"));
        request.Headers.Range = new RangeHeaderValue(100, 199);

        using var response = await Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("bytes 100-199/10000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(bytes[100..200], await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("page.html", "text/html", "<html><script>alert(1)</script></html>")]
    [InlineData("drawing.svg", "image/svg+xml", "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>")]
    public async Task GetFile_ActiveContent_IsAlwaysAnInertAttachment(string name, string type, string content)
    {
        var json = await Server.UploadAsync(Encoding.UTF8.GetBytes(content), name, type);

        foreach (var url in new[] { json.Str("shareUrl"), json.Str("downloadUrl") })
        {
            using var response = await Server.Client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Contains("sandbox", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.NotEqual(type, response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task GetFile_UnicodeName_HasRfc5987FilenameStar()
    {
        var json = await Server.UploadAsync(RandomBytes(10), "résumé 2024.pdf.bin", "application/octet-stream");

        using var response = await Server.Client.GetAsync(json.Str("shareUrl"));

        var disposition = response.Content.Headers.GetValues("Content-Disposition").Single();
        Assert.Contains("filename*=UTF-8''r%C3%A9sum%C3%A9%202024.pdf.bin", disposition, StringComparison.Ordinal);
        Assert.Equal("résumé 2024.pdf.bin", response.Content.Headers.ContentDisposition?.FileNameStar);
    }

    [Fact]
    public async Task DeleteFile_WithToken_RevokesBothLinksAndRemovesTheBytes()
    {
        var json = await Server.UploadAsync(RandomBytes(2048));
        var fileId = json.Str("fileId");
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/files/{fileId}");
        request.Headers.Add("X-Delete-Token", json.Str("deleteToken"));

        using var deleted = await Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Null(await Server.Store.HeadAsync($"files/{fileId}", CancellationToken.None));
        Assert.Equal(FileUploader.Core.Domain.FileStatus.Revoked, (await Server.Catalog.GetFileAsync(fileId, CancellationToken.None))!.Status);
        Assert.Equal("Revoked", await (await Server.Client.GetAsync(json.Str("shareUrl"))).AssertRefusalAsync(HttpStatusCode.Gone));
        Assert.Equal("Revoked", await (await Server.Client.GetAsync(json.Str("downloadUrl"))).AssertRefusalAsync(HttpStatusCode.Gone));
        Assert.Equal("Revoked", await (await Server.Client.GetAsync($"/files/{fileId}/info")).AssertRefusalAsync(HttpStatusCode.Gone));
    }

    [Fact]
    public async Task DeleteFile_TokenInQuery_Revokes()
    {
        var json = await Server.UploadAsync(RandomBytes(10));

        using var deleted = await Server.Client.DeleteAsync($"/files/{json.Str("fileId")}?token={Uri.EscapeDataString(json.Str("deleteToken"))}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal("Revoked", await (await Server.Client.GetAsync(json.Str("shareUrl"))).AssertRefusalAsync(HttpStatusCode.Gone));
    }

    [Fact]
    public async Task DeleteFile_WrongToken_Returns403AndKeepsTheFile()
    {
        var bytes = RandomBytes(10);
        var json = await Server.UploadAsync(bytes);
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/files/{json.Str("fileId")}");
        request.Headers.Add("X-Delete-Token", "not-the-token");

        using var refused = await Server.Client.SendAsync(request);

        await refused.AssertRefusalAsync(HttpStatusCode.Forbidden);
        Assert.Equal(bytes, await Server.Client.GetByteArrayAsync(json.Str("shareUrl")));
    }

    [Fact]
    public async Task PostUpload_ForgedHostHeader_LinksUseTheConfiguredBaseUrl()
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(RandomBytes(10)), "file", "x.bin" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = form };
        request.Headers.Host = "evil.example";

        using var response = await Server.Client.SendAsync(request);
        var json = await response.ReadObjectAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith(Server.BaseUrl.AbsoluteUri, json.Str("downloadUrl"), StringComparison.Ordinal);
        Assert.StartsWith(Server.BaseUrl.AbsoluteUri, json.Str("shareUrl"), StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", json.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostUpload_ExpiresInAndMaxDownloads_AreHonoured()
    {
        var json = await Server.UploadAsync(RandomBytes(10), "x.bin", "application/octet-stream", ("expiresIn", "120"), ("maxDownloads", "2"));

        var expiresAt = json["expiresAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(121));
        var info = await (await Server.Client.GetAsync($"/files/{json.Str("fileId")}/info")).ReadObjectAsync();
        Assert.Equal(2, info["maxDownloads"]!.GetValue<long>());
    }

    [Fact]
    public async Task Healthz_Running_Returns200()
    {
        var json = await (await Server.Client.GetAsync("/healthz")).ReadObjectAsync();

        Assert.Equal("ok", json.Str("status"));
    }

    [Fact]
    public async Task GetRoot_Browser_ServesTheUploadPageWithAFormPostingToUpload()
    {
        using var response = await Server.Client.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("action=\"/upload\"", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Server.Client.GetAsync("/app.js")).StatusCode);
    }

    [Fact]
    public async Task PostUpload_FormFromABrowserWithoutScript_AnswersWithAPageHoldingTheLink()
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(RandomBytes(100)), "file", "from-browser.bin" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = form };
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8");

        using var response = await Server.Client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"{Server.BaseUrl}files/", html, StringComparison.Ordinal);
        Assert.Contains("from-browser.bin", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/files/does-not-exist")]
    [InlineData("/files/does-not-exist/info")]
    [InlineData("/uploads/does-not-exist")]
    [InlineData("/files/..%2F..%2Fcatalog.db")]
    [InlineData("/uploads/..%2Fstaging")]
    [InlineData("/files/a%2Fb/info")]
    [InlineData("/nothing/here")]
    public async Task Get_UnknownOrPathLikeId_Returns404Json(string path)
    {
        using var response = await Server.Client.GetAsync(path);

        await response.AssertRefusalAsync(HttpStatusCode.NotFound);
    }

    internal static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        // Random bytes can look like an executable header by chance; a fixed printable prefix keeps sniffing neutral.
        if (count >= 4)
        {
            "data"u8.CopyTo(bytes);
        }

        return bytes;
    }

    internal static JsonObject Parse(string text) => JsonNode.Parse(text)!.AsObject();
}
