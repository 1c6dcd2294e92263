using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FileUploader.Core.Domain;
using FileUploader.Server.Tests.Infrastructure;
using FileUploader.Server.Uploads;
using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Server.Tests;

/// <summary>
/// Every refusal from the "Bad input and faults" list: a 4xx with <c>{error, message}</c>, never a 5xx,
/// and the data folder exactly as it was before (no object, no temporary file, no file record).
/// </summary>
public sealed class BadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData("{\"fileName\": \"a.txt\", \"size\": ")]
    [InlineData("not json at all")]
    [InlineData("[1, 2, 3]")]
    [InlineData("\"a string\"")]
    public async Task PostUploads_MalformedJson_Returns400AndStoresNothing(string body)
    {
        var before = await Server.SnapshotAsync();

        using var response = await Server.Client.PostAsync("/uploads", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertRefusalAsync(HttpStatusCode.BadRequest);
        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PostUploads_MissingFields_Returns400NamingEachOne()
    {
        using var response = await Server.Client.PostAsync("/uploads", new StringContent("{}", Encoding.UTF8, "application/json"));

        await response.AssertRefusalAsync(HttpStatusCode.BadRequest);
        var message = (await Reread(response)).Str("message");
        Assert.Contains("fileName", message, StringComparison.Ordinal);
        Assert.Contains("size", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"fileName\": \"a.txt\", \"size\": -1}")]
    [InlineData("{\"fileName\": \"a.txt\", \"size\": 1.5}")]
    [InlineData("{\"fileName\": \"a.txt\", \"size\": \"10\"}")]
    [InlineData("{\"fileName\": 42, \"size\": 10}")]
    [InlineData("{\"fileName\": \"a.txt\", \"size\": 10, \"expiresIn\": -5}")]
    [InlineData("{\"fileName\": \"a.txt\", \"size\": 10, \"expiresIn\": 999999999}")]
    [InlineData("{\"fileName\": \"a.txt\", \"size\": 10, \"maxDownloads\": 0}")]
    [InlineData("{\"fileName\": \"\", \"size\": 10}")]
    [InlineData("{\"fileName\": \"../\", \"size\": 10}")]
    [InlineData("{\"fileName\": \"\\u202e\\u200f\", \"size\": 10}")]
    [InlineData("{\"fileName\": \"a.txt\", \"size\": 0}")]
    [InlineData("{\"fileName\": \"a.txt\", \"size\": 99999999999999999999999}")]
    public async Task PostUploads_BadField_Returns400(string body)
    {
        var before = await Server.SnapshotAsync();

        using var response = await Server.Client.PostAsync("/uploads", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertRefusalAsync(HttpStatusCode.BadRequest);
        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PostUploads_SizeOverTheLimit_Returns413()
    {
        using var response = await Server.Client.PostAsJsonAsync("/uploads", new { fileName = "big.iso", size = ServerFixture.MaxUploadBytes + 1 });

        Assert.Equal("TooLarge", await response.AssertRefusalAsync(HttpStatusCode.RequestEntityTooLarge));
    }

    [Fact]
    public async Task PutUploadTarget_FewerBytesThanDeclared_IsRejectedAndNothingKept()
    {
        var before = await Server.SnapshotAsync();
        var (uploadId, uploadUrl) = await InitiateAsync(100);

        using var put = await Server.Client.PutAsync(uploadUrl, new ByteArrayContent(Encoding.UTF8.GetBytes("only forty bytes of the hundred promised")));

        Assert.Equal(ErrorNames.UploadRejected, await put.AssertRefusalAsync(HttpStatusCode.BadRequest));
        var status = await (await Server.Client.GetAsync($"/uploads/{uploadId}")).ReadObjectAsync();
        Assert.Equal("rejected", status.Str("status"));
        await AssertNothingStoredAsync(before);
        var session = await Server.Catalog.GetUploadAsync(uploadId, CancellationToken.None);
        Assert.Null(await Server.Catalog.GetFileAsync(session!.FileId, CancellationToken.None));
    }

    [Fact]
    public async Task PutUploadTarget_ContentLengthOverDeclared_Returns413BeforeReading()
    {
        var before = await Server.SnapshotAsync();
        var (uploadId, uploadUrl) = await InitiateAsync(10);

        using var put = await Server.Client.PutAsync(uploadUrl, new ByteArrayContent(new byte[11]));

        Assert.Equal("TooLarge", await put.AssertRefusalAsync(HttpStatusCode.RequestEntityTooLarge));
        await AssertNothingStoredAsync(before);
        // Refused before anything was read: the URL is still good for the right bytes.
        var session = await Server.Catalog.GetUploadAsync(uploadId, CancellationToken.None);
        Assert.Equal(UploadStatus.Pending, session!.Status);
    }

    [Fact]
    public async Task PutUploadTarget_ChunkedBodyPastDeclaredSize_IsRefusedAsItCrosses()
    {
        var before = await Server.SnapshotAsync();
        var (_, uploadUrl) = await InitiateAsync(100_000);
        var target = new Uri(uploadUrl);
        await using var raw = await RawHttp.ConnectAsync(Server.BaseUrl);
        await raw.WriteAsync($"PUT {target.PathAndQuery} HTTP/1.1\r\nHost: {target.Authority}\r\nTransfer-Encoding: chunked\r\n\r\n");

        var sent = await raw.WriteChunksUntilAnsweredAsync(16 * 1024, giveUpAfter: 256L * 1024 * 1024);
        var answer = await raw.Response;

        Assert.Equal(413, RawHttp.StatusOf(answer));
        Assert.Contains("\"error\"", answer, StringComparison.Ordinal);
        Assert.True(sent < 64L * 1024 * 1024, $"the server let {sent} bytes through before refusing");
        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PostUpload_ChunkedBodyPastMaxUploadBytes_IsRefusedAsItCrosses()
    {
        var before = await Server.SnapshotAsync();
        await using var raw = await RawHttp.ConnectAsync(Server.BaseUrl);
        const string boundary = "----fu-test-boundary";
        await raw.WriteAsync(
            $"POST /upload HTTP/1.1\r\nHost: {Server.BaseUrl.Authority}\r\nTransfer-Encoding: chunked\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\r\n");
        var partHead = $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"endless.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n";
        await raw.WriteAsync($"{Encoding.UTF8.GetByteCount(partHead):X}\r\n{partHead}\r\n");

        var sent = await raw.WriteChunksUntilAnsweredAsync(16 * 1024, giveUpAfter: 512L * 1024 * 1024);
        var answer = await raw.Response;

        Assert.Equal(413, RawHttp.StatusOf(answer));
        Assert.True(sent < ServerFixture.MaxUploadBytes * 16, $"the server let {sent} bytes through before refusing");
        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PutUploadTarget_SecondPut_Returns409AndKeepsTheFirst()
    {
        var bytes = Encoding.UTF8.GetBytes("first and only");
        var (uploadId, uploadUrl) = await InitiateAsync(bytes.Length);
        using var first = await Server.Client.PutAsync(uploadUrl, new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var before = await Server.SnapshotAsync();

        using var second = await Server.Client.PutAsync(uploadUrl, new ByteArrayContent(Encoding.UTF8.GetBytes("second try xyz")));

        Assert.Equal("AlreadyUploaded", await second.AssertRefusalAsync(HttpStatusCode.Conflict));
        await AssertNothingStoredAsync(before);
        var status = await (await Server.Client.GetAsync($"/uploads/{uploadId}")).ReadObjectAsync();
        Assert.Equal(bytes, await Server.Client.GetByteArrayAsync(status.Str("shareUrl")));
    }

    [Theory]
    [InlineData("signature", "AAAA")]
    [InlineData("maxBytes", "999999999")]
    [InlineData("expires", "9999999999")]
    public async Task PutUploadTarget_TamperedParameter_Returns403(string parameter, string value)
    {
        var before = await Server.SnapshotAsync();
        var (_, uploadUrl) = await InitiateAsync(5);

        using var put = await Server.Client.PutAsync(Replace(uploadUrl, parameter, value), new ByteArrayContent("hello"u8.ToArray()));

        Assert.Equal("InvalidSignature", await put.AssertRefusalAsync(HttpStatusCode.Forbidden));
        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PutUploadTarget_ExtraParameter_Returns403()
    {
        var (_, uploadUrl) = await InitiateAsync(5);

        using var put = await Server.Client.PutAsync(uploadUrl + "&x-amz-acl=public-read", new ByteArrayContent("hello"u8.ToArray()));

        await put.AssertRefusalAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("signature", "AAAA")]
    [InlineData("filename", "evil.html")]
    [InlineData("expires", "9999999999")]
    public async Task GetDownload_TamperedParameter_Returns403(string parameter, string value)
    {
        var json = await Server.UploadAsync("hello"u8.ToArray());

        using var response = await Server.Client.GetAsync(Replace(json.Str("downloadUrl"), parameter, value));

        Assert.Equal("InvalidSignature", await response.AssertRefusalAsync(HttpStatusCode.Forbidden));
    }

    [Theory]
    [InlineData("response-content-type=text%2Fhtml")]
    [InlineData("response-content-disposition=inline")]
    [InlineData("filename=second.html")]
    public async Task GetDownload_AddedResponseHeaderOverride_Returns403(string extra)
    {
        var json = await Server.UploadAsync("<html></html>"u8.ToArray(), "page.html", "text/html");

        using var response = await Server.Client.GetAsync(json.Str("downloadUrl") + "&" + extra);

        await response.AssertRefusalAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task GetDownload_OtherObjectKeyWithValidSignature_Returns403()
    {
        var json = await Server.UploadAsync("hello"u8.ToArray());
        var other = await Server.UploadAsync("other"u8.ToArray());
        var url = json.Str("downloadUrl").Replace(json.Str("fileId"), other.Str("fileId"), StringComparison.Ordinal);

        using var response = await Server.Client.GetAsync(url);

        await response.AssertRefusalAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task PutUploadTarget_ContentEncodingGzip_Returns415AndIsNeverInflated()
    {
        var before = await Server.SnapshotAsync();
        var (_, uploadUrl) = await InitiateAsync(20);
        var content = new ByteArrayContent(new byte[20]);
        content.Headers.ContentEncoding.Add("gzip");

        using var put = await Server.Client.PutAsync(uploadUrl, content);

        await put.AssertRefusalAsync(HttpStatusCode.UnsupportedMediaType);
        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PostUpload_ContentEncodingGzip_Returns415()
    {
        var before = await Server.SnapshotAsync();
        var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[20]), "file", "x.bin" } };
        form.Headers.ContentEncoding.Add("gzip");

        using var response = await Server.Client.PostAsync("/upload", form);

        await response.AssertRefusalAsync(HttpStatusCode.UnsupportedMediaType);
        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PostUpload_NoFileField_Returns400()
    {
        var form = new MultipartFormDataContent { { new StringContent("60"), "expiresIn" } };

        using var response = await Server.Client.PostAsync("/upload", form);

        await response.AssertRefusalAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PostUpload_NotMultipart_Returns415()
    {
        using var response = await Server.Client.PostAsync("/upload", new StringContent("hello", Encoding.UTF8, "text/plain"));

        await response.AssertRefusalAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task PostUpload_BrokenMultipart_Returns400AndStoresNothing()
    {
        var before = await Server.SnapshotAsync();
        var content = new StringContent("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\nabc", Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");

        using var response = await Server.Client.PostAsync("/upload", content);

        await response.AssertRefusalAsync(HttpStatusCode.BadRequest);
        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PostUpload_EmptyFile_Returns400AndStoresNothing()
    {
        var before = await Server.SnapshotAsync();

        using var response = await Server.PostUploadAsync([], "empty.txt");

        Assert.Equal(ErrorNames.UploadRejected, await response.AssertRefusalAsync(HttpStatusCode.BadRequest));
        await AssertNothingStoredAsync(before);
    }

    [Theory]
    [InlineData("expiresIn", "-1")]
    [InlineData("expiresIn", "soon")]
    [InlineData("expiresIn", "99999999999")]
    [InlineData("maxDownloads", "0")]
    [InlineData("maxDownloads", "lots")]
    public async Task PostUpload_BadChoice_Returns400AndStoresNothing(string field, string value)
    {
        var before = await Server.SnapshotAsync();

        using var response = await Server.PostUploadAsync("hello"u8.ToArray(), "a.txt", "text/plain", (field, value));

        await response.AssertRefusalAsync(HttpStatusCode.BadRequest);
        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PostUpload_BadChoiceAfterTheFile_Returns400AndDiscardsTheStagedBytes()
    {
        var before = await Server.SnapshotAsync();
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(UploadAndDownloadTests.RandomBytes(50_000)), "file", "x.bin" },
            { new StringContent("-3"), "maxDownloads" },
        };

        using var response = await Server.Client.PostAsync("/upload", form);

        await response.AssertRefusalAsync(HttpStatusCode.BadRequest);
        await AssertNothingStoredAsync(before);
    }

    [Theory]
    [InlineData("../")]
    [InlineData("\u202e\u2066")]
    [InlineData("   ")]
    public async Task PostUpload_NameWithNothingUsable_Returns400AndStoresNothing(string name)
    {
        var before = await Server.SnapshotAsync();
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent("hello"u8.ToArray());
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = name };
        form.Add(file);

        using var response = await Server.Client.PostAsync("/upload", form);

        Assert.Equal(ErrorNames.UploadRejected, await response.AssertRefusalAsync(HttpStatusCode.BadRequest));
        await AssertNothingStoredAsync(before);
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\me\\report.txt", "report.txt")]
    [InlineData("invoice\u202Etxt.exe", "invoicetxt.exe")]
    public async Task PostUpload_HostileName_IsStoredOnlyAsItsSafeLastPart(string name, string expected)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent("plain text"u8.ToArray());
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = name };
        form.Add(file);

        using var response = await Server.Client.PostAsync("/upload", form);
        var json = await response.ReadObjectAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(expected, json.Str("fileName"));
    }

    [Fact]
    public async Task PostUpload_WindowsExecutable_IsRejectedByTheDenyList()
    {
        var before = await Server.SnapshotAsync();
        var bytes = new byte[512];
        bytes[0] = (byte)'M';
        bytes[1] = (byte)'Z';

        using var response = await Server.PostUploadAsync(bytes, "setup.txt", "text/plain");

        Assert.Equal(ErrorNames.UploadRejected, await response.AssertRefusalAsync(HttpStatusCode.BadRequest));
        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PostUpload_ClientAbortsMidBody_StoresNothing()
    {
        var before = await Server.SnapshotAsync();
        await using var raw = await RawHttp.ConnectAsync(Server.BaseUrl);
        const string boundary = "abort-boundary";
        var partHead = $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\n\r\n";
        await raw.WriteAsync($"POST /upload HTTP/1.1\r\nHost: {Server.BaseUrl.Authority}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 1000000\r\n\r\n{partHead}");
        await raw.WriteAsync(new byte[200_000]);
        // The server is streaming the file part to staging when the client dies.
        var inFlight = Server.Services.GetRequiredService<InFlightUploads>();
        await Poll.UntilAsync(() => Task.FromResult(inFlight.IsEmpty), empty => !empty, "the server to start reading the body");

        raw.Abort();

        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PutUploadTarget_ClientAbortsMidBody_MarksTheUploadFailedAndStoresNothing()
    {
        var before = await Server.SnapshotAsync();
        var (uploadId, uploadUrl) = await InitiateAsync(1_000_000);
        var target = new Uri(uploadUrl);
        await using var raw = await RawHttp.ConnectAsync(Server.BaseUrl);
        await raw.WriteAsync($"PUT {target.PathAndQuery} HTTP/1.1\r\nHost: {target.Authority}\r\nContent-Length: 1000000\r\n\r\n");
        await raw.WriteAsync(new byte[300_000]);
        // The server has claimed the URL and is reading the body when the client dies.
        await Poll.UntilAsync(
            async () => (await Server.Catalog.GetUploadAsync(uploadId, CancellationToken.None))!.Status,
            s => s == UploadStatus.Processing,
            "the server to start reading the body");

        raw.Abort();

        var status = await Poll.UntilAsync(
            async () => (await Server.Catalog.GetUploadAsync(uploadId, CancellationToken.None))!.Status,
            s => s != UploadStatus.Processing,
            "the aborted upload to be settled");
        Assert.Equal(UploadStatus.Failed, status);
        await AssertNothingStoredAsync(before);
    }

    [Fact]
    public async Task PostUpload_ClientStallsMidBody_IsCutOffWith408AndStoresNothing()
    {
        var before = await Server.SnapshotAsync();
        await using var raw = await RawHttp.ConnectAsync(Server.BaseUrl);
        const string boundary = "slow-boundary";
        var partHead = $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.bin\"\r\n\r\n";
        await raw.WriteAsync($"POST /upload HTTP/1.1\r\nHost: {Server.BaseUrl.Authority}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 100000\r\n\r\n{partHead}one byte at a time");

        // No more bytes: the minimum data rate (after its grace period) ends the request, not the client.
        var answer = await raw.Response.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(408, RawHttp.StatusOf(answer));
        await AssertNothingStoredAsync(before);
    }

    private async Task<(string UploadId, string UploadUrl)> InitiateAsync(long size)
    {
        using var init = await Server.Client.PostAsJsonAsync("/uploads", new { fileName = "target.bin", size, contentType = "application/octet-stream" });
        Assert.Equal(HttpStatusCode.Created, init.StatusCode);
        var json = await init.ReadObjectAsync();
        return (json.Str("uploadId"), json.Str("uploadUrl"));
    }

    private async Task AssertNothingStoredAsync(StorageSnapshot before)
    {
        // Refusals that race the client (an abort) settle a moment later: wait until no request is working on an
        // upload and the folder is exactly as it was (a leftover would keep it different until the deadline).
        var inFlight = Server.Services.GetRequiredService<InFlightUploads>();
        var after = await Poll.UntilAsync(
            async () => (Idle: inFlight.IsEmpty, Snapshot: await Server.SnapshotAsync()),
            state => state.Idle && state.Snapshot.SameAs(before),
            $"the data folder to be back to {before}");
        Assert.True(after.Snapshot.SameAs(before));
        Assert.DoesNotContain(after.Snapshot.Keys, k => k.StartsWith("staging/", StringComparison.Ordinal));
    }

    private static string Replace(string url, string parameter, string value)
    {
        var uri = new Uri(url);
        var query = uri.Query.TrimStart('?').Split('&')
            .Select(p => p.StartsWith(parameter + "=", StringComparison.Ordinal) ? $"{parameter}={Uri.EscapeDataString(value)}" : p);
        return $"{uri.GetLeftPart(UriPartial.Path)}?{string.Join('&', query)}";
    }

    private static async Task<JsonObject> Reread(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
}
