using System.Net;
using Amazon.Runtime;
using FileUploader.Core.Domain;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Aws.Tests;

/// <summary>What the adapters throw when the service is down, throttling or refusing: the port's stable names.</summary>
public sealed class FailureTranslationTests
{
    private static AwsStorageOptions OptionsFor(Uri url) => new()
    {
        BucketName = "fu-faults",
        TableName = "fu-faults",
        Region = AwsTestStorage.Region,
        S3ServiceUrl = url,
        DynamoDbServiceUrl = url,
        Credentials = new BasicAWSCredentials("test", "test"),
        // One attempt: the state machine's Retry is what retries; here only the translation is under test.
        MaxErrorRetry = 0,
    };

    private static DynamoDbFileCatalog Catalog(Uri url)
    {
        var options = OptionsFor(url);
        return new DynamoDbFileCatalog(AwsClientFactory.CreateDynamoDbClient(options), options);
    }

    private static S3ObjectStore Store(Uri url)
    {
        var options = OptionsFor(url);
        return new S3ObjectStore(AwsClientFactory.CreateS3Client(options), options);
    }

    [Fact]
    public async Task GetFileAsync_NothingListening_ThrowsRetryableStorageUnavailable()
    {
        var closed = new Uri($"http://127.0.0.1:{LoopbackServer.FreePort()}/");

        var error = await Assert.ThrowsAsync<StepFailedException>(() => Catalog(closed).GetFileAsync("f", CancellationToken.None));

        Assert.Equal(ErrorNames.StorageUnavailable, error.ErrorName);
        Assert.True(error.Retryable);
    }

    [Fact]
    public async Task HeadAsync_NothingListening_ThrowsRetryableStorageUnavailable()
    {
        var closed = new Uri($"http://127.0.0.1:{LoopbackServer.FreePort()}/");

        var error = await Assert.ThrowsAsync<StepFailedException>(() => Store(closed).HeadAsync("files/x", CancellationToken.None));

        Assert.Equal(ErrorNames.StorageUnavailable, error.ErrorName);
        Assert.True(error.Retryable);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "ThrottlingException")]
    [InlineData(HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException")]
    [InlineData(HttpStatusCode.InternalServerError, "InternalServerError")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")]
    public async Task TryCountDownloadAsync_ThrottledOrServerError_ThrowsRetryableStorageUnavailable(HttpStatusCode status, string errorType)
    {
        using var endpoint = FaultyEndpoint.DynamoDbError(status, errorType);

        var error = await Assert.ThrowsAsync<StepFailedException>(
            () => Catalog(endpoint.Url).TryCountDownloadAsync("f", DateTimeOffset.UtcNow, CancellationToken.None));

        Assert.Equal(ErrorNames.StorageUnavailable, error.ErrorName);
        Assert.True(error.Retryable);
        Assert.True(endpoint.Requests >= 1);
    }

    [Fact]
    public async Task PutFileAsync_TableMissing_ThrowsNonRetryableStorageUnavailable()
    {
        // A misconfiguration: retrying cannot help, so the step must fail rather than back off for minutes.
        using var endpoint = FaultyEndpoint.DynamoDbError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        var record = new FileRecord("f", "u", "a.txt", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1), "files/f", 0, 1, "text/plain", new string('0', 64), FileStatus.Available, "e", new string('1', 64), null);

        var error = await Assert.ThrowsAsync<StepFailedException>(() => Catalog(endpoint.Url).PutFileAsync(record, CancellationToken.None));

        Assert.Equal(ErrorNames.StorageUnavailable, error.ErrorName);
        Assert.False(error.Retryable);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SlowDown")]
    [InlineData(HttpStatusCode.InternalServerError, "InternalError")]
    [InlineData(HttpStatusCode.Conflict, "ConditionalRequestConflict")]
    public async Task OpenReadAsync_S3ThrottlingServerErrorOrConditionalConflict_ThrowsRetryableStorageUnavailable(HttpStatusCode status, string code)
    {
        // A GET, so the error code travels in the body (a HEAD's answer has none).
        using var endpoint = FaultyEndpoint.S3Error(status, code);

        var error = await Assert.ThrowsAsync<StepFailedException>(() => Store(endpoint.Url).OpenReadAsync("files/x", 0, null, CancellationToken.None));

        Assert.Equal(ErrorNames.StorageUnavailable, error.ErrorName);
        Assert.True(error.Retryable);
    }

    [Fact]
    public async Task ListKeysAsync_AccessDenied_ThrowsNonRetryableStorageUnavailable()
    {
        using var endpoint = FaultyEndpoint.S3Error(HttpStatusCode.Forbidden, "AccessDenied");

        var error = await Assert.ThrowsAsync<StepFailedException>(async () =>
        {
            await foreach (var _ in Store(endpoint.Url).ListKeysAsync("files/", CancellationToken.None))
            {
            }
        });

        Assert.Equal(ErrorNames.StorageUnavailable, error.ErrorName);
        Assert.False(error.Retryable);
    }
}
