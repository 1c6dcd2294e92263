using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using FileUploader.Core.Domain;
using FileUploader.Server.Tests.Infrastructure;
using FileUploader.Storage.Aws;
using FileUploader.Testing.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.Server.Tests.AwsMode;

/// <summary>
/// The server with <c>--storage aws</c>: the same API and the same workflow, with the bytes in S3 and the records in
/// DynamoDB, spoken over HTTP to moto on loopback with the real AWS SDK. The whole journey: in (one-shot and the
/// pre-signed POST of the two-step protocol), both links out, counting, and expiry that really deletes.
/// </summary>
public sealed class AwsModeTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>, IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly HttpClient _following = new() { Timeout = TimeSpan.FromSeconds(60) };
    private AwsStorageOptions? _options;
    private AmazonS3Client? _s3;
    private AmazonDynamoDBClient? _dynamoDb;
    private TestServer? _server;

    private AwsStorageOptions Options => _options!;

    private AmazonS3Client S3 => _s3!;

    private AmazonDynamoDBClient DynamoDb => _dynamoDb!;

    private TestServer Server => _server!;

    public async Task InitializeAsync()
    {
        _options = new AwsStorageOptions
        {
            BucketName = "fu-e2e-" + Guid.NewGuid().ToString("N")[..12],
            TableName = "fu-e2e-" + Guid.NewGuid().ToString("N")[..12],
            Region = "us-east-1",
            S3ServiceUrl = moto.ServiceUrl,
            DynamoDbServiceUrl = moto.ServiceUrl,
            Credentials = moto.IsExternal ? null : new BasicAWSCredentials(moto.AccessKeyId, moto.SecretAccessKey),
        };
        _s3 = AwsClientFactory.CreateS3Client(Options);
        _dynamoDb = AwsClientFactory.CreateDynamoDbClient(Options);
        await AwsResourceSetup.EnsureBucketAsync(S3, Options.BucketName, CancellationToken.None);
        await AwsResourceSetup.EnsureTableAsync(DynamoDb, Options.TableName, CancellationToken.None);

        // Exactly what `--storage aws --bucket B --table T` wires, with clients aimed at moto and the test's clock.
        _server = await TestServer.StartAsync(
            adjust: o => o with { Storage = "aws", Bucket = Options.BucketName, Table = Options.TableName },
            configure: services =>
            {
                services.AddSingleton<IAmazonS3>(S3);
                services.AddSingleton<IAmazonDynamoDB>(DynamoDb);
                services.AddSingleton<TimeProvider>(_time);
            });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _following.Dispose();
        _s3?.Dispose();
        _dynamoDb?.Dispose();
    }

    [Fact]
    public async Task PostUpload_AwsStorage_KeepsTheBytesInS3TheRecordInDynamoDbAndServesBothLinks()
    {
        var bytes = RandomBytes(300_000);

        var json = await Server.UploadAsync(bytes, "report.bin", "application/octet-stream");

        var fileId = json.Str("fileId");
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal(sha256, json.Str("sha256"));

        // The bytes: promoted out of staging, private and encrypted, hash kept with them.
        var head = await S3.GetObjectMetadataAsync(Options.BucketName, $"files/{fileId}");
        Assert.Equal(ServerSideEncryptionMethod.AES256, head.ServerSideEncryptionMethod);
        Assert.Equal(sha256, head.Metadata["x-amz-meta-sha256"]);
        Assert.Empty((await S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Options.BucketName, Prefix = "staging/" })).S3Objects ?? []);

        // The record: in the table, with the TTL backstop at its expiry.
        var item = await FileItemAsync(fileId);
        Assert.Equal(nameof(FileStatus.Available), item["status"].S);
        Assert.Equal(json["expiresAt"]!.GetValue<DateTimeOffset>().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), item["ttl"].N);

        // The direct link is an S3 pre-signed GET that downloads as an attachment.
        var downloadUrl = new Uri(json.Str("downloadUrl"));
        Assert.Equal(moto.ServiceUrl.Authority, downloadUrl.Authority);
        Assert.Contains("X-Amz-Signature=", downloadUrl.Query, StringComparison.Ordinal);
        Assert.Contains("response-content-disposition=attachment", downloadUrl.Query, StringComparison.Ordinal);
        Assert.Equal(bytes, await _following.GetByteArrayAsync(downloadUrl));

        // The tracked link serves the same bytes and counts the download in DynamoDB.
        Assert.Equal(bytes, await _following.GetByteArrayAsync(json.Str("shareUrl")));
        Assert.Equal("1", (await FileItemAsync(fileId))["downloadCount"].N);
    }

    [Fact]
    public async Task PostUploads_PresignedPostToS3_MakesTheFileAvailable()
    {
        var bytes = "two-step upload straight to S3, as a browser does it in AWS\n"u8.ToArray();
        using var init = await Server.Client.PostAsJsonAsync("/uploads", new { fileName = "notes.txt", size = bytes.Length, contentType = "text/plain" });
        Assert.Equal(HttpStatusCode.Created, init.StatusCode);
        var started = await init.ReadObjectAsync();
        var uploadId = started.Str("uploadId");

        // An S3 pre-signed POST whose policy bounds the size: fields first, the file last.
        Assert.Equal("POST", started.Str("method"));
        var fields = started["fields"]!.AsObject();
        using var policy = System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(fields.Single(f => f.Key.Equals("policy", StringComparison.OrdinalIgnoreCase)).Value!.GetValue<string>()));
        Assert.Contains(policy.RootElement.GetProperty("conditions").EnumerateArray(), c => c.ValueKind == System.Text.Json.JsonValueKind.Array && c[0].GetString() == "content-length-range");
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value!.GetValue<string>()), name);
        }

        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", "notes.txt");
        using var posted = await _following.PostAsync(started.Str("uploadUrl"), form);
        Assert.True(posted.IsSuccessStatusCode, $"{(int)posted.StatusCode}: {await posted.Content.ReadAsStringAsync()}");

        // In AWS an EventBridge rule starts the workflow; the local engine is told by the status poll.
        var done = await Poll.UntilAsync(
            async () => await (await Server.Client.GetAsync($"/uploads/{uploadId}")).ReadObjectAsync(),
            s => s["status"]?.GetValue<string>() is "available" or "failed" or "rejected",
            "the upload to finish");

        Assert.Equal("available", done.Str("status"));
        Assert.Equal(bytes, await _following.GetByteArrayAsync(done.Str("shareUrl")));
        Assert.Equal(bytes, await _following.GetByteArrayAsync(done.Str("downloadUrl")));
    }

    [Fact]
    public async Task Upload_ItsTtlPasses_TheExpiryWorkflowDeletesTheObjectAndExpiresTheRecord()
    {
        var json = await Server.UploadAsync(RandomBytes(5000), "soon-gone.bin", "application/octet-stream", ("expiresIn", "60"));
        var fileId = json.Str("fileId");

        _time.Advance(TimeSpan.FromSeconds(61));

        await Poll.UntilAsync(async () => (await FileItemAsync(fileId))["status"].S, s => s == nameof(FileStatus.Expired), "the expiry workflow to mark the record expired");
        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => S3.GetObjectMetadataAsync(Options.BucketName, $"files/{fileId}"));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("LinkExpired", await (await Server.Client.GetAsync(json.Str("shareUrl"))).AssertRefusalAsync(HttpStatusCode.Gone));
    }

    [Fact]
    public async Task PostUpload_RejectedByTheDenyList_LeavesNothingInTheBucketOrTheTable()
    {
        var bytes = new byte[512];
        bytes[0] = (byte)'M';
        bytes[1] = (byte)'Z';

        using var response = await Server.PostUploadAsync(bytes, "setup.txt", "text/plain");

        Assert.Equal(ErrorNames.UploadRejected, await response.AssertRefusalAsync(HttpStatusCode.BadRequest));
        Assert.Empty((await S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Options.BucketName })).S3Objects ?? []);
        var files = await DynamoDb.ScanAsync(new ScanRequest { TableName = Options.TableName, FilterExpression = "#type = :file", ExpressionAttributeNames = new() { ["#type"] = "type" }, ExpressionAttributeValues = new() { [":file"] = new AttributeValue("file") } });
        Assert.Empty(files.Items ?? []);
    }

    private async Task<Dictionary<string, AttributeValue>> FileItemAsync(string fileId) =>
        (await DynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = Options.TableName,
            Key = new() { ["id"] = new AttributeValue("file#" + fileId) },
            ConsistentRead = true,
        })).Item;

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        // A fixed printable prefix keeps magic-byte sniffing neutral.
        "data"u8.CopyTo(bytes);
        return bytes;
    }
}
