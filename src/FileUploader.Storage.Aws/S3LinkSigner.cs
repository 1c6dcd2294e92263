using Amazon.S3;
using Amazon.S3.Model;
using FileUploader.Core.Ports;

namespace FileUploader.Storage.Aws;

/// <summary>
/// <see cref="ILinkSigner"/> with S3 SigV4 pre-signed requests. A download link is a pre-signed GET that ends no
/// later than the given time (and at most 7 days out, SigV4's limit); an upload target is a pre-signed POST
/// whose policy carries <c>content-length-range</c>, so S3 itself refuses a body larger than declared
/// (a pre-signed PUT cannot bound the size). Signing is local: no request is sent.
/// </summary>
/// <remarks>
/// A URL signed with temporary credentials (a Lambda role's) stops working when that session ends, whatever its
/// X-Amz-Expires says; that is why the tracked link mints a fresh, short-lived URL for every download.
/// </remarks>
public sealed class S3LinkSigner(IAmazonS3 s3, AwsStorageOptions options, TimeProvider timeProvider) : ILinkSigner
{
    /// <summary>SigV4 query signing accepts at most 7 days.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    public Uri CreateDownloadUrl(string objectKey, string fileName, DateTimeOffset expiresAt)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = options.BucketName,
            Key = objectKey,
            Verb = HttpVerb.GET,
            // GetPreSignedURL defaults to https whatever the endpoint; a local server may be plain http.
            Protocol = s3.Config.ServiceURL?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS,
            Expires = SigningDeadline(expiresAt),
            ResponseHeaderOverrides = { ContentDisposition = ContentDisposition.Attachment(fileName) },
        };
        return new Uri(s3.GetPreSignedURL(request));
    }

    public UploadTarget CreateUploadTarget(string stagingKey, long maxBytes, string contentType, DateTimeOffset expiresAt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);

        // An upload announced without a type still needs one in the policy (an exact-match condition cannot be empty);
        // Validate sniffs the real type from the bytes either way.
        contentType = string.IsNullOrWhiteSpace(contentType) ? "application/octet-stream" : contentType;
        var encryption = options.KmsKeyId is null ? "AES256" : "aws:kms";
        var fields = new Dictionary<string, string>
        {
            ["Content-Type"] = contentType,
            ["x-amz-server-side-encryption"] = encryption,
        };
        var conditions = new List<S3PostCondition>
        {
            S3PostCondition.ContentLengthRange(0, maxBytes),
            S3PostCondition.ExactMatch("Content-Type", contentType),
            S3PostCondition.ExactMatch("x-amz-server-side-encryption", encryption),
        };
        if (options.KmsKeyId is not null)
        {
            fields["x-amz-server-side-encryption-aws-kms-key-id"] = options.KmsKeyId;
            conditions.Add(S3PostCondition.ExactMatch("x-amz-server-side-encryption-aws-kms-key-id", options.KmsKeyId));
        }

        // The SDK adds the bucket, key, credential, algorithm and date conditions, and the signature fields.
        var post = s3.CreatePresignedPost(new CreatePresignedPostRequest
        {
            BucketName = options.BucketName,
            Key = stagingKey,
            Expires = SigningDeadline(expiresAt),
            Fields = fields,
            Conditions = conditions,
        });
        return new UploadTarget(new Uri(post.Url), "POST", post.Fields);
    }

    /// <summary>
    /// The latest moment the signature may be valid: <paramref name="expiresAt"/>, capped at 7 days, one second
    /// early. The SDK turns it into whole seconds from its own clock reading and stamps X-Amz-Date (floored to the
    /// second) a moment later; the second of margin keeps X-Amz-Date + X-Amz-Expires at or before expiresAt.
    /// </summary>
    private DateTime SigningDeadline(DateTimeOffset expiresAt)
    {
        var now = timeProvider.GetUtcNow();
        if (expiresAt <= now + TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(expiresAt), expiresAt, "A link must expire in the future.");
        }

        var deadline = expiresAt < now + MaxLifetime ? expiresAt : now + MaxLifetime;
        return deadline.UtcDateTime.AddSeconds(-1);
    }
}
