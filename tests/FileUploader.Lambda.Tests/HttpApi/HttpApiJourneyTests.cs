using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using FileUploader.Api;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Lambda.Tests.HttpApi;

/// <summary>
/// The <c>HttpApi</c> function driven as Lambda drives it (payload 2.0 events through our Runtime API emulator), over
/// S3, DynamoDB and Step Functions on moto. Each subclass runs the same journey on one host: this process, or the
/// published Native AOT <c>bootstrap</c>.
/// </summary>
public abstract class HttpApiJourneyTests(MotoServerFixture moto) : IAsyncLifetime
{
    private HttpApiWorld? _world;

    protected HttpApiWorld World => _world!;

    /// <summary>The origin the function is expected to mint links for.</summary>
    protected abstract string ExpectedBaseUrl { get; }

    public async Task InitializeAsync()
    {
        _world = await HttpApiWorld.CreateAsync(moto);
        await StartFunctionAsync(World);
    }

    public async Task DisposeAsync()
    {
        await StopFunctionAsync();
        if (_world is not null)
        {
            await _world.DisposeAsync();
        }
    }

    protected abstract Task StartFunctionAsync(HttpApiWorld world);

    protected abstract Task StopFunctionAsync();

    [Fact]
    public async Task HttpApi_UploadJourney_PresignedPostThenStatusRedirectCountAndRevoke()
    {
        var bytes = Encoding.UTF8.GetBytes("bytes that go straight to S3 and come back by a redirect\n");

        // Announce: an S3 pre-signed POST bounded by the declared size, a status URL on the API's origin.
        var init = await World.PostJsonAsync("/uploads", new { fileName = "notes.txt", size = bytes.Length, contentType = "text/plain", maxDownloads = 5 });
        Assert.True(init.StatusCode == HttpStatus.Created, init.Body);
        var initiated = init.Json;
        var uploadId = (string)initiated["uploadId"]!;
        var deleteToken = (string)initiated["deleteToken"]!;
        Assert.Equal("POST", (string?)initiated["method"]);
        Assert.StartsWith(World.MotoUrl.GetLeftPart(UriPartial.Authority), (string)initiated["uploadUrl"]!, StringComparison.Ordinal);
        Assert.Equal($"{ExpectedBaseUrl}/uploads/{uploadId}", (string?)initiated["statusUrl"]);
        Assert.Equal($"{ExpectedBaseUrl}/uploads/{uploadId}", init.Header("Location"));
        Assert.Equal("pending", (string?)(await World.SendAsync("GET", $"/uploads/{uploadId}")).Json["status"]);

        // The browser's POST to S3; then the EventBridge rule's execution runs the workflow.
        using (var posted = await World.PostToS3Async(initiated, bytes, "text/plain"))
        {
            Assert.True(posted.IsSuccessStatusCode, $"{(int)posted.StatusCode}: {await posted.Content.ReadAsStringAsync()}");
        }

        var fileId = await World.RunUploadWorkflowAsync(uploadId);

        var status = await World.SendAsync("GET", $"/uploads/{uploadId}");
        Assert.Equal(HttpStatus.OK, status.StatusCode);
        Assert.Equal("available", (string?)status.Json["status"]);
        Assert.Equal(fileId, (string?)status.Json["fileId"]);
        var shareUrl = new Uri((string)status.Json["shareUrl"]!);
        Assert.Equal($"{ExpectedBaseUrl}/files/{fileId}", shareUrl.AbsoluteUri);

        // HEAD and a link-preview bot: name and size, never a count.
        var head = await World.SendAsync("HEAD", shareUrl.AbsolutePath);
        Assert.Equal(HttpStatus.OK, head.StatusCode);
        Assert.Equal(bytes.Length.ToString(CultureInfo.InvariantCulture), head.Header("Content-Length"));
        Assert.StartsWith("attachment; filename=\"notes.txt\"", head.Header("Content-Disposition"), StringComparison.Ordinal);
        Assert.Equal(string.Empty, head.Body);
        var preview = await World.SendAsync("GET", shareUrl.AbsolutePath, headers: new Dictionary<string, string> { ["User-Agent"] = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" });
        Assert.Equal(HttpStatus.OK, preview.StatusCode);
        Assert.StartsWith("text/html", preview.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Contains("notes.txt", preview.Body, StringComparison.Ordinal);
        Assert.Equal(0, (long)(await World.SendAsync("GET", $"/files/{fileId}/info")).Json["downloadCount"]!);

        // The tracked link: counted, then a redirect to a pre-signed GET minted now and valid for seconds.
        var redirect = await World.SendAsync("GET", shareUrl.AbsolutePath);
        Assert.Equal(HttpStatus.Found, redirect.StatusCode);
        var location = new Uri(redirect.Header("Location"));
        Assert.Equal(World.MotoUrl.Authority, location.Authority);
        Assert.Contains("X-Amz-Signature=", location.Query, StringComparison.Ordinal);
        var expires = int.Parse(System.Web.HttpUtility.ParseQueryString(location.Query)["X-Amz-Expires"]!, CultureInfo.InvariantCulture);
        Assert.InRange(expires, 1, 60);
        Assert.Equal("no-referrer", redirect.Header("Referrer-Policy"));
        var downloaded = await World.DownloadAsync(location);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(downloaded));
        var info = (await World.SendAsync("GET", $"/files/{fileId}/info")).Json;
        Assert.Equal(1, (long)info["downloadCount"]!);
        Assert.Equal(5, (long)info["maxDownloads"]!);

        // Revocation: only with the token; the bytes go, the expiry execution is stopped, the link answers 410.
        Assert.Equal("InvalidDeleteToken", (await World.SendAsync("DELETE", $"/files/{fileId}", headers: new Dictionary<string, string> { ["X-Delete-Token"] = "not-the-token" })).AssertRefusal(HttpStatus.Forbidden));
        Assert.Equal("RUNNING", (await World.StepFunctions.DescribeExecutionAsync(World.ExpiryExecutionArn(fileId))).Status);
        var deleted = await World.SendAsync("DELETE", $"/files/{fileId}", headers: new Dictionary<string, string> { ["X-Delete-Token"] = deleteToken });
        Assert.True(deleted.StatusCode == HttpStatus.NoContent, deleted.Body);
        Assert.Equal("ABORTED", (await World.StepFunctions.DescribeExecutionAsync(World.ExpiryExecutionArn(fileId))).Status);
        var gone = await Assert.ThrowsAsync<AmazonS3Exception>(() => World.S3.GetObjectMetadataAsync(World.Options.BucketName, $"files/{fileId}"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(ApiErrorNames.Revoked, (await World.SendAsync("GET", shareUrl.AbsolutePath)).AssertRefusal(HttpStatus.Gone));
        Assert.Equal(ApiErrorNames.Revoked, (await World.SendAsync("HEAD", shareUrl.AbsolutePath)).AssertRefusal(HttpStatus.Gone));
    }

    [Fact]
    public async Task HttpApi_DownloadLimitAndExpiry_AnswerGoneWithTheirReason()
    {
        var bytes = "one download only"u8.ToArray();
        var init = (await World.PostJsonAsync("/uploads", new { fileName = "once.txt", size = bytes.Length, contentType = "text/plain", maxDownloads = 1 })).Json;
        using (var posted = await World.PostToS3Async(init, bytes, "text/plain"))
        {
            Assert.True(posted.IsSuccessStatusCode);
        }

        var fileId = await World.RunUploadWorkflowAsync((string)init["uploadId"]!);

        Assert.Equal(HttpStatus.Found, (await World.SendAsync("GET", $"/files/{fileId}")).StatusCode);
        Assert.Equal(ApiErrorNames.DownloadLimitReached, (await World.SendAsync("GET", $"/files/{fileId}")).AssertRefusal(HttpStatus.Gone));

        // The expiry execution's Expire step at expiresAt: the record says Expired, the bytes are gone.
        var second = (await World.PostJsonAsync("/uploads", new { fileName = "soon.txt", size = bytes.Length, contentType = "text/plain" })).Json;
        using (var posted = await World.PostToS3Async(second, bytes, "text/plain"))
        {
            Assert.True(posted.IsSuccessStatusCode);
        }

        var expiring = await World.RunUploadWorkflowAsync((string)second["uploadId"]!);
        await World.StepAsync("Expire", new System.Text.Json.Nodes.JsonObject { ["fileId"] = expiring });
        Assert.Equal(ApiErrorNames.LinkExpired, (await World.SendAsync("GET", $"/files/{expiring}")).AssertRefusal(HttpStatus.Gone));
        Assert.Equal(ApiErrorNames.LinkExpired, (await World.SendAsync("GET", $"/files/{expiring}/info")).AssertRefusal(HttpStatus.Gone));
    }

    [Fact]
    public async Task HttpApi_BadInput_AnswersA4xxJsonRefusalNeverA5xx()
    {
        var json = new Dictionary<string, string> { ["content-type"] = "application/json" };

        Assert.Equal("BadRequest", (await World.SendAsync("POST", "/uploads", headers: json, body: "{\"fileName\": \"a.txt\", \"size\": ")).AssertRefusal(400));
        Assert.Equal("BadRequest", (await World.SendAsync("POST", "/uploads", headers: json, body: "{\"size\": -3}")).AssertRefusal(400));
        Assert.Equal("BadRequest", (await World.SendAsync("POST", "/uploads", headers: json, body: "e30=!!not base64", base64: true)).AssertRefusal(400));
        Assert.Equal("BadRequest", (await World.SendAsync("POST", "/uploads", headers: new Dictionary<string, string> { ["content-type"] = "text/plain" }, body: "a.txt 5")).AssertRefusal(415));
        Assert.Equal("UnsupportedContentEncoding", (await World.SendAsync("POST", "/uploads", headers: new Dictionary<string, string> { ["content-type"] = "application/json", ["content-encoding"] = "gzip" }, body: "{}")).AssertRefusal(415));
        Assert.Equal("TooLarge", (await World.PostJsonAsync("/uploads", new { fileName = "huge.bin", size = 6L * 1024 * 1024 * 1024 })).AssertRefusal(413));
        Assert.Equal("UploadRejected", (await World.PostJsonAsync("/uploads", new { fileName = "empty.txt", size = 0 })).AssertRefusal(400));
        Assert.Equal("NotFound", (await World.SendAsync("GET", "/uploads/AAAAAAAAAAAAAAAAAAAAAA")).AssertRefusal(404));
        Assert.Equal("NotFound", (await World.SendAsync("GET", "/files/AAAAAAAAAAAAAAAAAAAAAA")).AssertRefusal(404));
        Assert.Equal("NotFound", (await World.SendAsync("GET", "/files/..%2F..%2Fstaging%2Fx")).AssertRefusal(404));
        Assert.Equal("NotFound", (await World.SendAsync("GET", "/files/../staging/x")).AssertRefusal(404));
        Assert.Equal("NotFound", (await World.SendAsync("DELETE", "/files/a.b", rawQuery: "token=x")).AssertRefusal(404));
        Assert.Equal("NotFound", (await World.SendAsync("GET", "/upload-target/staging/x")).AssertRefusal(404));
        Assert.Equal("MethodNotAllowed", (await World.SendAsync("PUT", "/uploads")).AssertRefusal(405));
        Assert.Equal("MethodNotAllowed", (await World.SendAsync("POST", "/files/AAAAAAAAAAAAAAAAAAAAAA")).AssertRefusal(405));
        Assert.Equal("UseUploadsEndpoint", (await World.SendAsync("POST", "/upload", headers: new Dictionary<string, string> { ["content-type"] = "multipart/form-data; boundary=x" }, body: "--x--")).AssertRefusal(400));

        // A base64 body (how API Gateway passes a body it takes for binary) is decoded, not refused.
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"fileName\":\"b64.txt\",\"size\":3}"));
        var accepted = await World.SendAsync("POST", "/uploads", headers: json, body: encoded, base64: true);
        Assert.True(accepted.StatusCode == HttpStatus.Created, accepted.Body);

        // Nothing was stored for any refusal: the only session is the accepted one.
        var sessions = await World.DynamoDb.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest { TableName = World.Options.TableName });
        Assert.Single(sessions.Items);
    }

    [Fact]
    public async Task HttpApi_NotAnApiGatewayEvent_AnswersBadRequestAndTheLoopGoesOn()
    {
        var outcome = await World.Runtime.OutcomeAsync(World.Runtime.Enqueue("""{"uploadId":"x"}"""));
        Assert.True(outcome.Succeeded, outcome.Body);
        Assert.Equal("BadRequest", HttpAnswer.Parse(outcome.Body).AssertRefusal(400));

        var next = await World.SendAsync("GET", "/uploads/AAAAAAAAAAAAAAAAAAAAAA");
        Assert.Equal(404, next.StatusCode);
    }
}
