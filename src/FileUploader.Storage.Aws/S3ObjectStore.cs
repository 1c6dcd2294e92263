using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Storage.Aws;

/// <summary>
/// <see cref="IObjectStore"/> on an S3 bucket. Objects are private (the bucket blocks public access; nothing here
/// sets an ACL) and encrypted at rest (SSE-S3, or SSE-KMS with a key). The SHA-256 is computed while the bytes
/// stream and kept as the <c>x-amz-meta-sha256</c> metadata; single-request uploads also send it as
/// <c>x-amz-checksum-sha256</c> so S3 itself refuses a body that was damaged on the way.
/// </summary>
public sealed class S3ObjectStore : IObjectStore
{
    /// <summary>User metadata key (S3 sends it as <c>x-amz-meta-sha256</c>).</summary>
    internal const string Sha256MetadataKey = "x-amz-meta-sha256";

    private readonly IAmazonS3 _s3;
    private readonly AwsStorageOptions _options;

    public S3ObjectStore(IAmazonS3 s3, AwsStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.PartSizeBytes < 5 * AwsStorageOptions.MiB || options.CopyPartSizeBytes < 5 * AwsStorageOptions.MiB)
        {
            throw new ArgumentException("S3 parts must be at least 5 MiB.", nameof(options));
        }

        _s3 = s3;
        _options = options;
    }

    private string Bucket => _options.BucketName;

    public async Task<StoredObject> PutAsync(
        string key, Stream content, long maxBytes, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);

        // Fails fast before any byte moves, and is the only guard on servers that ignore If-None-Match
        // (s3rver 3.7); S3 and moto also refuse the final write below with 412 if someone got there in between.
        if (await HeadRawAsync(key, cancellationToken) is not null)
        {
            throw new ObjectAlreadyExistsException(key);
        }

        using var reader = new BoundedHashingReader(content, maxBytes, key);
        var first = new byte[(int)Math.Min(Math.Max(_options.MultipartThresholdBytes, 1), Math.Max(maxBytes, 0))];
        var firstLength = await reader.FillAsync(first, cancellationToken);
        if (await reader.IsAtEndAsync(cancellationToken))
        {
            var sha = reader.GetSha256();
            await PutSingleAsync(key, first, firstLength, contentType, sha, cancellationToken);
            return new StoredObject(key, firstLength, Convert.ToHexStringLower(sha), contentType);
        }

        return await PutMultipartAsync(key, reader, first, contentType, cancellationToken);
    }

    public async Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        var head = await HeadRawAsync(key, cancellationToken);
        return head is null ? null : await ToStoredObjectAsync(key, head, cancellationToken);
    }

    public async Task<Stream?> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        var request = new GetObjectRequest { BucketName = Bucket, Key = key };
        if (length == 0)
        {
            // A zero-length range cannot be expressed in HTTP; answer it without a body, after checking existence.
            return await HeadRawAsync(key, cancellationToken) is null ? null : new MemoryStream([], writable: false);
        }

        if (offset > 0 || length is not null)
        {
            request.ByteRange = length is { } n ? new ByteRange(offset, offset + n - 1) : new ByteRange($"bytes={offset}-");
        }

        try
        {
            var response = await AwsFailures.RunAsync("Reading " + key, () => _s3.GetObjectAsync(request, cancellationToken), cancellationToken);
            return new ResponseOwningStream(response.ResponseStream, response);
        }
        catch (StepFailedException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound })
        {
            return null;
        }
        catch (StepFailedException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.RequestedRangeNotSatisfiable })
        {
            // Reading at or past the end is an empty read, as it is for a file.
            return new MemoryStream([], writable: false);
        }
    }

    public Task<StoredObject> PromoteAsync(
        string sourceKey, string destinationKey, string expectedSha256, CancellationToken cancellationToken) =>
        PromoteAsync(sourceKey, destinationKey, expectedSha256, attempt: 1, cancellationToken);

    private async Task<StoredObject> PromoteAsync(
        string sourceKey, string destinationKey, string expectedSha256, int attempt, CancellationToken cancellationToken)
    {
        // Replayed after a crash: the copy may already be done, and the source already deleted.
        if (await HeadAsync(destinationKey, cancellationToken) is { } already)
        {
            if (!string.Equals(already.Sha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new StepFailedException(
                    ErrorNames.Conflict,
                    $"'{destinationKey}' already holds different bytes (SHA-256 {already.Sha256}, expected {expectedSha256}).");
            }

            await DeleteAsync(sourceKey, cancellationToken);
            return already;
        }

        var sourceHead = await HeadRawAsync(sourceKey, cancellationToken);
        if (sourceHead is null)
        {
            // A concurrent run may have copied and deleted between our two looks: the destination decides.
            if (attempt < 3 && await HeadRawAsync(destinationKey, cancellationToken) is not null)
            {
                return await PromoteAsync(sourceKey, destinationKey, expectedSha256, attempt + 1, cancellationToken);
            }

            throw new StepFailedException(ErrorNames.NotFound, $"Nothing to promote: '{sourceKey}' is gone and '{destinationKey}' is not there.");
        }

        var source = await ToStoredObjectAsync(sourceKey, sourceHead, cancellationToken);
        if (!string.Equals(source.Sha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new StepFailedException(
                ErrorNames.Conflict,
                $"'{sourceKey}' does not hold the expected bytes (SHA-256 {source.Sha256}, expected {expectedSha256}).");
        }

        var metadata = new Dictionary<string, string> { [Sha256MetadataKey] = source.Sha256 };
        try
        {
            // If-Match on the source's ETag: the bytes hashed above are the bytes copied. If-None-Match on the
            // destination: a concurrent run of this step cannot be overwritten.
            await CopyAsync(sourceKey, sourceHead.ETag, destinationKey, source.Size, source.ContentType, metadata, ifNoneMatch: true, cancellationToken);
        }
        catch (StepFailedException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound } && attempt < 3)
        {
            // Another run copied first (412), or copied and deleted the source (404), or the source changed under
            // us (412 on If-Match): look again, and the checks above decide.
            return await PromoteAsync(sourceKey, destinationKey, expectedSha256, attempt + 1, cancellationToken);
        }

        await DeleteAsync(sourceKey, cancellationToken);
        return source with { Key = destinationKey };
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        // S3 answers 204 whether or not the key existed; the HEAD tells the caller which it was.
        var existed = await HeadRawAsync(key, cancellationToken) is not null;
        await AwsFailures.RunAsync(
            "Deleting " + key,
            () => _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, cancellationToken),
            cancellationToken);
        return existed;
    }

    public async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix, ContinuationToken = continuation };
            var page = await AwsFailures.RunAsync("Listing " + prefix, () => _s3.ListObjectsV2Async(request, cancellationToken), cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return item.Key;
            }

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    private async Task PutSingleAsync(string key, byte[] buffer, int length, string contentType, byte[] sha, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(buffer, 0, length, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = Bucket,
            Key = key,
            InputStream = body,
            ContentType = contentType,
            IfNoneMatch = "*",
            // S3 recomputes the SHA-256 and refuses the PUT on a mismatch; the algorithm header makes it keep the
            // value for HEAD/GET with x-amz-checksum-mode (S3, and moto, which keeps but does not verify it).
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ChecksumSHA256 = Convert.ToBase64String(sha),
            AutoCloseStream = false,
            // The body is in memory already, so a plain body with checksum headers costs nothing; aws-chunked
            // framing is for streams of unknown length, and s3rver would store its frames as the object's bytes.
            UseChunkEncoding = false,
        };
        request.Metadata[Sha256MetadataKey] = Convert.ToHexStringLower(sha);
        ApplyEncryption(request);
        try
        {
            await AwsFailures.RunAsync("Writing " + key, () => _s3.PutObjectAsync(request, cancellationToken), cancellationToken);
        }
        catch (StepFailedException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed })
        {
            throw new ObjectAlreadyExistsException(key);
        }
    }

    private async Task<StoredObject> PutMultipartAsync(
        string key, BoundedHashingReader reader, byte[] first, string contentType, CancellationToken cancellationToken)
    {
        var initiate = new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key, ContentType = contentType };
        ApplyEncryption(initiate);
        var upload = await AwsFailures.RunAsync("Starting the upload of " + key, () => _s3.InitiateMultipartUploadAsync(initiate, cancellationToken), cancellationToken);
        var completed = false;
        try
        {
            var parts = new List<PartETag>();
            var part = new byte[(int)_options.PartSizeBytes];
            ReadOnlyMemory<byte> prefix = first;
            while (true)
            {
                // What was read to choose single-or-multipart goes out first, then the rest of the stream.
                var filled = Math.Min(prefix.Length, part.Length);
                prefix[..filled].CopyTo(part);
                prefix = prefix[filled..];
                if (filled < part.Length)
                {
                    filled += await reader.FillAsync(part.AsMemory(filled), cancellationToken);
                }

                var last = filled < part.Length || (prefix.IsEmpty && await reader.IsAtEndAsync(cancellationToken));
                if (filled > 0 || parts.Count == 0)
                {
                    parts.Add(await UploadPartAsync(key, upload.UploadId, parts.Count + 1, part, filled, cancellationToken));
                }

                if (last)
                {
                    break;
                }
            }

            var complete = new CompleteMultipartUploadRequest
            {
                BucketName = Bucket,
                Key = key,
                UploadId = upload.UploadId,
                PartETags = parts,
                IfNoneMatch = "*",
            };
            try
            {
                await AwsFailures.RunAsync("Finishing the upload of " + key, () => _s3.CompleteMultipartUploadAsync(complete, cancellationToken), cancellationToken);
            }
            catch (StepFailedException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed })
            {
                throw new ObjectAlreadyExistsException(key);
            }

            completed = true;
            var sha = Convert.ToHexStringLower(reader.GetSha256());

            // The hash is known only now, and a multipart upload's metadata is fixed when it starts: copy the
            // object onto itself to attach it. Until then HeadAsync computes it from the bytes, so it is never wrong.
            var metadata = new Dictionary<string, string> { [Sha256MetadataKey] = sha };
            await CopyAsync(key, null, key, reader.Total, contentType, metadata, ifNoneMatch: false, cancellationToken);
            return new StoredObject(key, reader.Total, sha, contentType);
        }
        finally
        {
            if (!completed)
            {
                // Too large, cancelled or failed: no parts may linger (they are billed) and no object appears.
                await AbortQuietlyAsync(key, upload.UploadId);
            }
        }
    }

    private async Task<PartETag> UploadPartAsync(
        string key, string uploadId, int partNumber, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(buffer, 0, count, writable: false);
        var request = new UploadPartRequest
        {
            BucketName = Bucket,
            Key = key,
            UploadId = uploadId,
            PartNumber = partNumber,
            InputStream = body,
            PartSize = count,
            UseChunkEncoding = false,
        };
        var response = await AwsFailures.RunAsync($"Writing part {partNumber} of {key}", () => _s3.UploadPartAsync(request, cancellationToken), cancellationToken);
        return new PartETag(partNumber, response.ETag);
    }

    private async Task AbortQuietlyAsync(string key, string uploadId)
    {
        try
        {
            await _s3.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId },
                CancellationToken.None);
        }
        catch (Exception ex) when (ex is AmazonS3Exception or HttpRequestException or IOException or OperationCanceledException)
        {
            // Best effort: the bucket's AbortIncompleteMultipartUpload lifecycle rule removes what this misses.
        }
    }

    /// <summary>Copies inside the bucket: one CopyObject up to the threshold, UploadPartCopy ranges above it.</summary>
    private async Task CopyAsync(
        string sourceKey,
        string? sourceETag,
        string destinationKey,
        long size,
        string contentType,
        Dictionary<string, string> metadata,
        bool ifNoneMatch,
        CancellationToken cancellationToken)
    {
        if (size <= _options.MultipartCopyThresholdBytes)
        {
            var request = new CopyObjectRequest
            {
                SourceBucket = Bucket,
                SourceKey = sourceKey,
                DestinationBucket = Bucket,
                DestinationKey = destinationKey,
                MetadataDirective = S3MetadataDirective.REPLACE,
                ContentType = contentType,
                ETagToMatch = sourceETag,
                IfNoneMatch = ifNoneMatch ? "*" : null,
            };
            foreach (var (name, value) in metadata)
            {
                request.Metadata[name] = value;
            }

            ApplyEncryption(request);
            await AwsFailures.RunAsync($"Copying {sourceKey} to {destinationKey}", () => _s3.CopyObjectAsync(request, cancellationToken), cancellationToken);
            return;
        }

        var initiate = new InitiateMultipartUploadRequest { BucketName = Bucket, Key = destinationKey, ContentType = contentType };
        foreach (var (name, value) in metadata)
        {
            initiate.Metadata[name] = value;
        }

        ApplyEncryption(initiate);
        var upload = await AwsFailures.RunAsync("Starting the copy to " + destinationKey, () => _s3.InitiateMultipartUploadAsync(initiate, cancellationToken), cancellationToken);
        var completed = false;
        try
        {
            var parts = new List<PartETag>();
            for (long first = 0; first < size; first += _options.CopyPartSizeBytes)
            {
                var partNumber = parts.Count + 1;
                var copyPart = new CopyPartRequest
                {
                    SourceBucket = Bucket,
                    SourceKey = sourceKey,
                    DestinationBucket = Bucket,
                    DestinationKey = destinationKey,
                    UploadId = upload.UploadId,
                    PartNumber = partNumber,
                    FirstByte = first,
                    LastByte = Math.Min(first + _options.CopyPartSizeBytes, size) - 1,
                    ETagToMatch = sourceETag is null ? null : [sourceETag],
                };
                var response = await AwsFailures.RunAsync($"Copying part {partNumber} to {destinationKey}", () => _s3.CopyPartAsync(copyPart, cancellationToken), cancellationToken);
                parts.Add(new PartETag(partNumber, response.ETag));
            }

            var complete = new CompleteMultipartUploadRequest
            {
                BucketName = Bucket,
                Key = destinationKey,
                UploadId = upload.UploadId,
                PartETags = parts,
                IfNoneMatch = ifNoneMatch ? "*" : null,
            };
            await AwsFailures.RunAsync("Finishing the copy to " + destinationKey, () => _s3.CompleteMultipartUploadAsync(complete, cancellationToken), cancellationToken);
            completed = true;
        }
        finally
        {
            if (!completed)
            {
                await AbortQuietlyAsync(destinationKey, upload.UploadId);
            }
        }
    }

    private async Task<GetObjectMetadataResponse?> HeadRawAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await AwsFailures.RunAsync(
                "Looking up " + key,
                () => _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, cancellationToken),
                cancellationToken);
        }
        catch (StepFailedException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound })
        {
            return null;
        }
    }

    private async Task<StoredObject> ToStoredObjectAsync(string key, GetObjectMetadataResponse head, CancellationToken cancellationToken)
    {
        var contentType = head.Headers.ContentType ?? "application/octet-stream";
        var sha = head.Metadata[Sha256MetadataKey];
        if (string.IsNullOrEmpty(sha))
        {
            // A browser's pre-signed POST (or a multipart upload not yet stamped) carries no hash: read the bytes.
            sha = await ComputeSha256Async(key, cancellationToken);
        }

        return new StoredObject(key, head.ContentLength, sha.ToLowerInvariant(), contentType);
    }

    private async Task<string> ComputeSha256Async(string key, CancellationToken cancellationToken)
    {
        var stream = await OpenReadAsync(key, 0, null, cancellationToken)
            ?? throw new StepFailedException(ErrorNames.NotFound, $"'{key}' disappeared while it was being read.");
        await using (stream)
        {
            try
            {
                return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            }
            catch (IOException ex)
            {
                throw new StepFailedException(ErrorNames.StorageUnavailable, $"Reading {key} broke off: {ex.Message}", retryable: true, ex);
            }
        }
    }

    private void ApplyEncryption(PutObjectRequest request)
    {
        request.ServerSideEncryptionMethod = EncryptionMethod;
        request.ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId;
    }

    private void ApplyEncryption(InitiateMultipartUploadRequest request)
    {
        request.ServerSideEncryptionMethod = EncryptionMethod;
        request.ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId;
    }

    private void ApplyEncryption(CopyObjectRequest request)
    {
        request.ServerSideEncryptionMethod = EncryptionMethod;
        request.ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId;
    }

    private ServerSideEncryptionMethod EncryptionMethod =>
        _options.KmsKeyId is null ? ServerSideEncryptionMethod.AES256 : ServerSideEncryptionMethod.AWSKMS;
}
