using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using FileUploader.Core.Ports;
using FileUploader.Testing.Contracts;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Aws.Tests;

/// <summary>What the S3 adapter does beyond the port contract, checked on moto with a raw S3 client.</summary>
[Collection(MotoCollection.Name)]
public sealed class S3ObjectStoreTests(MotoServerFixture moto) : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly AwsStorageOptions _options = AwsTestStorage.Options(moto, null);
    private AmazonS3Client? _s3;

    private AmazonS3Client S3 => _s3!;

    private S3ObjectStore Store => new(S3, _options);

    public async Task InitializeAsync() => _s3 = await AwsTestStorage.CreateBucketAsync(_options);

    public Task DisposeAsync()
    {
        _s3?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task PutAsync_SmallObject_IsEncryptedAndCarriesItsSha256AsChecksumAndMetadata()
    {
        var bytes = RandomBytes(2048);

        await Store.PutAsync("staging/small", new MemoryStream(bytes), 4096, "text/plain", Ct);

        var head = await S3.GetObjectMetadataAsync(new GetObjectMetadataRequest
        {
            BucketName = _options.BucketName,
            Key = "staging/small",
            ChecksumMode = ChecksumMode.ENABLED,
        });
        Assert.Equal(ServerSideEncryptionMethod.AES256, head.ServerSideEncryptionMethod);
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(bytes)), head.ChecksumSHA256);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), head.Metadata["x-amz-meta-sha256"]);
    }

    [Fact]
    public async Task PutAsync_WithKmsKey_StoresWithSseKmsAndThatKey()
    {
        _options.KmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";

        await Store.PutAsync("staging/kms", new MemoryStream([1, 2, 3]), 10, "text/plain", Ct);

        var head = await S3.GetObjectMetadataAsync(_options.BucketName, "staging/kms");
        Assert.Equal(ServerSideEncryptionMethod.AWSKMS, head.ServerSideEncryptionMethod);
        Assert.Equal(_options.KmsKeyId, head.ServerSideEncryptionKeyManagementServiceKeyId);
    }

    [Fact]
    public async Task PutAsync_AboveTheMultipartThreshold_StampsTheSha256AfterCompletingTheUpload()
    {
        var bytes = RandomBytes(11 * 1024 * 1024 + 7);

        var stored = await Store.PutAsync("staging/parts", new TrickleStream(bytes, chunk: 1 << 20), bytes.Length, "video/mp4", Ct);

        var head = await S3.GetObjectMetadataAsync(_options.BucketName, "staging/parts");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), head.Metadata["x-amz-meta-sha256"]);
        Assert.Equal(stored.Sha256, head.Metadata["x-amz-meta-sha256"]);
        Assert.Equal("video/mp4", head.Headers.ContentType);
        Assert.Equal(ServerSideEncryptionMethod.AES256, head.ServerSideEncryptionMethod);
        Assert.Empty((await S3.ListMultipartUploadsAsync(_options.BucketName)).MultipartUploads ?? []);
    }

    [Fact]
    public async Task PutAsync_LimitCrossedAfterSomePartsWentUp_AbortsTheMultipartUploadAndStopsReading()
    {
        var maxBytes = 12L * 1024 * 1024;
        var content = new EndlessStream(failAfterBytes: 64L * 1024 * 1024);

        await Assert.ThrowsAsync<ObjectTooLargeException>(() => Store.PutAsync("staging/endless", content, maxBytes, "application/zip", Ct));

        // Two 5 MiB parts went up before the limit was crossed; no part may be left behind, billed and invisible.
        Assert.Empty((await S3.ListMultipartUploadsAsync(_options.BucketName)).MultipartUploads ?? []);
        Assert.Null(await Store.HeadAsync("staging/endless", Ct));
        Assert.InRange(content.BytesRead, maxBytes + 1, maxBytes + 128 * 1024);
    }

    [Fact]
    public async Task PutAsync_CancelledAfterAPartWentUp_AbortsTheMultipartUploadAndLeavesNothing()
    {
        using var cancel = new CancellationTokenSource();
        // The client goes away once more than a part has been read: the request is cancelled mid-upload.
        var content = new CancellingStream(RandomBytes(12 * 1024 * 1024), cancelAfterBytes: 6 * 1024 * 1024, cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Store.PutAsync("staging/cancelled", content, 20 * 1024 * 1024, "application/zip", cancel.Token));

        Assert.Empty((await S3.ListMultipartUploadsAsync(_options.BucketName)).MultipartUploads ?? []);
        Assert.Null(await Store.HeadAsync("staging/cancelled", Ct));
    }

    [Fact]
    public async Task PromoteAsync_AboveTheCopyThreshold_CopiesInPartsWithUploadPartCopy()
    {
        _options.MultipartCopyThresholdBytes = 6 * AwsStorageOptions.MiB;
        _options.CopyPartSizeBytes = AwsTestStorage.SmallPart;
        var bytes = RandomBytes(11 * 1024 * 1024);
        var staged = await Store.PutAsync("staging/big", new MemoryStream(bytes), bytes.Length, "application/zip", Ct);

        var promoted = await Store.PromoteAsync("staging/big", "files/big", staged.Sha256, Ct);

        // A multipart object's ETag is "<md5 of part md5s>-<parts>": 11 MiB in 5 MiB parts is 3.
        var head = await S3.GetObjectMetadataAsync(_options.BucketName, "files/big");
        Assert.EndsWith("-3\"", head.ETag, StringComparison.Ordinal);
        Assert.Equal(staged.Sha256, head.Metadata["x-amz-meta-sha256"]);
        Assert.Equal(new StoredObject("files/big", bytes.Length, staged.Sha256, "application/zip"), promoted);
        Assert.Null(await Store.HeadAsync("staging/big", Ct));
        await using var read = (await Store.OpenReadAsync("files/big", 0, null, Ct))!;
        Assert.Equal(staged.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(read)));
    }

    [Fact]
    public async Task PromoteAsync_SeveralRunsRacing_AllSucceedWithTheSameObject()
    {
        // Two executions of Store for one upload (a duplicated S3 event, a retry after a timeout) may overlap.
        var bytes = RandomBytes(200_000);
        var staged = await Store.PutAsync("staging/race", new MemoryStream(bytes), bytes.Length, "image/gif", Ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => Store.PromoteAsync("staging/race", "files/race", staged.Sha256, Ct))));

        Assert.All(results, r => Assert.Equal(new StoredObject("files/race", bytes.Length, staged.Sha256, "image/gif"), r));
        Assert.Null(await Store.HeadAsync("staging/race", Ct));
        await using var read = (await Store.OpenReadAsync("files/race", 0, null, Ct))!;
        Assert.Equal(staged.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(read)));
    }

    [Fact]
    public async Task HeadAsync_ObjectWithoutSha256Metadata_ComputesItFromTheBytes()
    {
        // What a browser's pre-signed POST leaves: bytes, a type, no hash of ours.
        var bytes = RandomBytes(70_000);
        await S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _options.BucketName,
            Key = "staging/posted",
            InputStream = new MemoryStream(bytes),
            ContentType = "image/jpeg",
            UseChunkEncoding = false,
        });

        var head = await Store.HeadAsync("staging/posted", Ct);

        Assert.Equal(new StoredObject("staging/posted", bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)), "image/jpeg"), head);
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(count).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A request body whose reader cancels the request once enough bytes have been read.</summary>
    private sealed class CancellingStream(byte[] bytes, int cancelAfterBytes, CancellationTokenSource cancel) : MemoryStream(bytes, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= cancelAfterBytes)
            {
                await cancel.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }

            return await base.ReadAsync(buffer, cancellationToken);
        }
    }
}
