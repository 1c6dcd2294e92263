using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using FileUploader.Core.Domain;
using FileUploader.Lambda.Tests.Emulator;
using FileUploader.Storage.Aws;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Lambda.Tests.Native;

/// <summary>
/// The native bootstrap running Validate over both AWS adapters: the session in DynamoDB (dynalite), the staged
/// bytes in S3 (s3rver). Proves the AOT-compiled SDK clients, the catalog and the store work, not just compile.
/// The fixtures are set up from this process with the same adapters.
/// </summary>
[Collection(NativeBootstrapCollection.Name)]
public sealed class NativeStorageStepTests(NativeBootstrapFixture bootstrap, S3rverFixture s3, DynaliteFixture dynamo) : IAsyncLifetime
{
    private const string Region = "us-east-1";
    private readonly AwsStorageOptions _options = new()
    {
        BucketName = "fu-lambda-" + Guid.NewGuid().ToString("N")[..12],
        TableName = "fu-lambda-" + Guid.NewGuid().ToString("N")[..12],
        Region = Region,
        S3ServiceUrl = s3.ServiceUrl,
        DynamoDbServiceUrl = dynamo.ServiceUrl,
        Credentials = new BasicAWSCredentials(s3.AccessKeyId, s3.SecretAccessKey),
    };

    private RuntimeApiEmulator _runtime = null!;
    private Amazon.S3.AmazonS3Client _s3Client = null!;
    private Amazon.DynamoDBv2.AmazonDynamoDBClient _dynamoClient = null!;
    private S3ObjectStore _store = null!;
    private DynamoDbFileCatalog _catalog = null!;

    public async Task InitializeAsync()
    {
        _runtime = await RuntimeApiEmulator.StartAsync();
        _s3Client = AwsClientFactory.CreateS3Client(_options);
        _dynamoClient = AwsClientFactory.CreateDynamoDbClient(_options);
        await AwsResourceSetup.EnsureBucketAsync(_s3Client, _options.BucketName, CancellationToken.None);
        await AwsResourceSetup.EnsureTableAsync(_dynamoClient, _options.TableName, CancellationToken.None);
        _store = new S3ObjectStore(_s3Client, _options);
        _catalog = new DynamoDbFileCatalog(_dynamoClient, _options);
    }

    public async Task DisposeAsync()
    {
        _s3Client.Dispose();
        _dynamoClient.Dispose();
        await _runtime.DisposeAsync();
    }

    [Fact]
    public async Task Validate_AcceptableUpload_AnswersValidatedUpload()
    {
        var bytes = Encoding.UTF8.GetBytes("hello, lambda");
        await StageAsync("u-ok", "f-ok", "../notes.txt", bytes, declaredSize: bytes.Length);
        await using var process = Start("Validate");

        var outcome = await _runtime.OutcomeAsync(_runtime.Enqueue("""{"uploadId":"u-ok"}"""));

        Assert.True(outcome.Succeeded, outcome.Body + process.Output);
        var body = JsonNode.Parse(outcome.Body)!;
        Assert.Equal("u-ok", (string?)body["uploadId"]);
        Assert.Equal("f-ok", (string?)body["fileId"]);
        Assert.Equal("notes.txt", (string?)body["fileName"]);
        Assert.Equal(bytes.Length, (long)body["size"]!);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), (string?)body["sha256"]);
    }

    [Fact]
    public async Task Validate_DeclaredSizeDiffers_ReportsUploadRejected()
    {
        var bytes = Encoding.UTF8.GetBytes("short");
        await StageAsync("u-bad", "f-bad", "notes.txt", bytes, declaredSize: 999);
        await using var process = Start("Validate");

        var outcome = await _runtime.OutcomeAsync(_runtime.Enqueue("""{"uploadId":"u-bad"}"""));

        Assert.False(outcome.Succeeded, outcome.Body);
        Assert.Equal("UploadRejected", outcome.Error!.ErrorType);
        Assert.Contains("999", outcome.Error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_NoSession_ReportsNotFound()
    {
        await using var process = Start("Validate");

        var outcome = await _runtime.OutcomeAsync(_runtime.Enqueue("""{"uploadId":"u-nobody"}"""));

        Assert.Equal("NotFound", outcome.Error!.ErrorType);
    }

    private async Task StageAsync(string uploadId, string fileId, string fileName, byte[] bytes, long declaredSize)
    {
        var now = DateTimeOffset.UtcNow;
        var session = new UploadSession(
            uploadId, fileName, declaredSize, null, now, now.AddMinutes(15), TimeSpan.FromHours(1), null,
            DeleteTokenHash: new string('0', 64), UploadStatus.Processing, fileId, Error: null, Message: null);
        Assert.True(await _catalog.TryCreateUploadAsync(session, CancellationToken.None));
        using var content = new MemoryStream(bytes);
        await _store.PutAsync(StorageKeys.Staging(uploadId), content, 1024 * 1024, "application/octet-stream", CancellationToken.None);
    }

    private BootstrapProcess Start(string handler) => BootstrapProcess.Start(bootstrap.BootstrapPath, new Dictionary<string, string>
    {
        ["AWS_LAMBDA_RUNTIME_API"] = _runtime.RuntimeApi,
        ["_HANDLER"] = handler,
        ["AWS_LAMBDA_FUNCTION_NAME"] = "fileuploader-" + handler,
        ["AWS_REGION"] = Region,

        // dynalite accepts any key pair; s3rver checks signatures against its own, so both get that one.
        ["AWS_ACCESS_KEY_ID"] = s3.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = s3.SecretAccessKey,
        ["AWS_ENDPOINT_URL_S3"] = s3.ServiceUrl.ToString().TrimEnd('/'),
        ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamo.ServiceUrl.ToString().TrimEnd('/'),
        ["BUCKET_NAME"] = _options.BucketName,
        ["TABLE_NAME"] = _options.TableName,
        ["HOME"] = Path.GetTempPath(),
    });
}
