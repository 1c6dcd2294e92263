using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using FileUploader.Lambda.Tests.Emulator;
using FileUploader.Storage.Aws;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Lambda.Tests.Native;

/// <summary>
/// The Native AOT bootstrap, driven as Lambda drives it: its own process, our Runtime API emulator on loopback,
/// real steps from Core's generated registry, and an S3-compatible server (s3rver) for the steps that touch storage.
/// </summary>
[Collection(NativeBootstrapCollection.Name)]
public sealed class NativeBootstrapTests(NativeBootstrapFixture bootstrap, S3rverFixture s3) : IAsyncLifetime
{
    private const string Region = "us-east-1";
    private readonly string _bucket = "fu-lambda-" + Guid.NewGuid().ToString("N")[..12];
    private RuntimeApiEmulator _runtime = null!;
    private AmazonS3Client _s3Client = null!;

    public async Task InitializeAsync()
    {
        _runtime = await RuntimeApiEmulator.StartAsync();
        var options = new AwsStorageOptions
        {
            BucketName = _bucket,
            TableName = "unused",
            Region = Region,
            S3ServiceUrl = s3.ServiceUrl,
            Credentials = new BasicAWSCredentials(s3.AccessKeyId, s3.SecretAccessKey),
        };
        _s3Client = AwsClientFactory.CreateS3Client(options);
        await AwsResourceSetup.EnsureBucketAsync(_s3Client, _bucket, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _s3Client.Dispose();
        await _runtime.DisposeAsync();
    }

    [Fact]
    public void Publish_NativeAot_ReportsNoTrimOrAotWarnings()
    {
        var warnings = bootstrap.Publish.Output
            .Split('\n')
            .Where(line => line.Contains(": warning ", StringComparison.Ordinal))
            .ToList();

        Assert.True(File.Exists(bootstrap.BootstrapPath), $"No native bootstrap at {bootstrap.BootstrapPath}.");
        Assert.Empty(warnings);
    }

    [Fact]
    public async Task Invoke_GoodEvent_AnswersOnResponse()
    {
        await _s3Client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = "staging/u-good", ContentBody = "hello" });
        await using var process = Start("DeleteStaging");

        var requestId = _runtime.Enqueue("""{"uploadId":"u-good"}""");
        var outcome = await _runtime.OutcomeAsync(requestId);

        Assert.True(outcome.Succeeded, outcome.Body + process.Output);
        var body = JsonNode.Parse(outcome.Body)!;
        Assert.True(body["removed"]!.GetValue<bool>());
        var listed = await _s3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = "staging/" });
        Assert.Empty(listed.S3Objects ?? []);
    }

    [Fact]
    public async Task Invoke_FailingStep_ReportsErrorNameOnError()
    {
        await using var process = Start("Store");

        // Nothing is staged for this upload: Store fails with the stable name NotFound.
        var requestId = _runtime.Enqueue("""{"uploadId":"u-missing","fileId":"f-missing","sha256":"00"}""");
        var outcome = await _runtime.OutcomeAsync(requestId);

        Assert.False(outcome.Succeeded, outcome.Body);
        Assert.Equal("NotFound", outcome.Error!.ErrorType);
        Assert.Equal("NotFound", outcome.ErrorTypeHeader);
        Assert.False(process.HasExited, "A failing step must not end the loop.");
    }

    [Fact]
    public async Task Start_UnknownHandler_ReportsInitErrorAndExits()
    {
        await using var process = Start("NoSuchStep");

        var reported = await _runtime.InitErrorAsync();
        var exitCode = await process.WaitForExitAsync();

        Assert.Equal("UnknownStepException", reported.Error!.ErrorType);
        Assert.Equal("UnknownStepException", reported.ErrorTypeHeader);
        Assert.Contains("NoSuchStep", reported.Error.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(1, exitCode);
        Assert.Equal(0, _runtime.NextRequestCount);
    }

    [Fact]
    public async Task Invoke_BadEventThenGoodEvent_ReportsErrorAndGoesOn()
    {
        await using var process = Start("DeleteStaging");

        var bad = _runtime.Enqueue("this is not json");
        var good = _runtime.Enqueue("""{"uploadId":"u-after-bad"}""");
        var badOutcome = await _runtime.OutcomeAsync(bad);
        var goodOutcome = await _runtime.OutcomeAsync(good);

        Assert.False(badOutcome.Succeeded);
        Assert.Equal("JsonException", badOutcome.Error!.ErrorType);
        Assert.True(goodOutcome.Succeeded, goodOutcome.Body + process.Output);
        Assert.False(JsonNode.Parse(goodOutcome.Body)!["removed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Invoke_EventOfWrongShape_ReportsJsonExceptionAndGoesOn()
    {
        await using var process = Start("DeleteStaging");

        var wrong = _runtime.Enqueue("[1, 2, 3]");
        var good = _runtime.Enqueue("""{"uploadId":"u-after-wrong"}""");
        var wrongOutcome = await _runtime.OutcomeAsync(wrong);
        var goodOutcome = await _runtime.OutcomeAsync(good);

        Assert.Equal("JsonException", wrongOutcome.Error!.ErrorType);
        Assert.True(goodOutcome.Succeeded, goodOutcome.Body + process.Output);
    }

    private BootstrapProcess Start(string handler) => BootstrapProcess.Start(bootstrap.BootstrapPath, new Dictionary<string, string>
    {
        ["AWS_LAMBDA_RUNTIME_API"] = _runtime.RuntimeApi,
        ["_HANDLER"] = handler,
        ["AWS_LAMBDA_FUNCTION_NAME"] = "fileuploader-" + handler,
        ["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST",
        ["AWS_REGION"] = Region,
        ["AWS_ACCESS_KEY_ID"] = s3.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = s3.SecretAccessKey,
        ["AWS_ENDPOINT_URL_S3"] = s3.ServiceUrl.ToString().TrimEnd('/'),
        ["BUCKET_NAME"] = _bucket,
        ["TABLE_NAME"] = "unused",
        ["HOME"] = Path.GetTempPath(),
    });
}
