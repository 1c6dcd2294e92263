using Amazon.Runtime;

namespace FileUploader.Storage.Aws;

/// <summary>
/// Where the AWS adapters keep things and how they reach S3 and DynamoDB. Endpoints are normally not set here:
/// AWSSDK.Core reads <c>AWS_ENDPOINT_URL_S3</c>, <c>AWS_ENDPOINT_URL_DYNAMODB</c> and <c>AWS_ENDPOINT_URL</c>
/// itself (service-specific first), like every AWS SDK, so the same code points at AWS or at a local server.
/// </summary>
public sealed class AwsStorageOptions
{
    public const long MiB = 1024 * 1024;

    public required string BucketName { get; set; }

    public required string TableName { get; set; }

    /// <summary>SSE-KMS key (id or ARN); null for SSE-S3 (AES256).</summary>
    public string? KmsKeyId { get; set; }

    /// <summary>Region; null for the SDK's default chain (<c>AWS_REGION</c>, profile).</summary>
    public string? Region { get; set; }

    /// <summary>An explicit S3 endpoint; wins over the environment. Tests set it to their loopback server.</summary>
    public Uri? S3ServiceUrl { get; set; }

    /// <summary>An explicit DynamoDB endpoint; wins over the environment.</summary>
    public Uri? DynamoDbServiceUrl { get; set; }

    /// <summary>
    /// Path-style S3 addressing (<c>http://host/bucket/key</c>). Null: on whenever an S3 endpoint is configured
    /// (explicitly or through the environment), because local servers are not reachable as <c>bucket.host</c>.
    /// </summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>Credentials; null for the SDK's default chain (environment, profile, the Lambda role).</summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>Bodies larger than this go up as a multipart upload.</summary>
    public long MultipartThresholdBytes { get; set; } = 16 * MiB;

    /// <summary>Multipart part size; S3 wants at least 5 MiB for every part but the last.</summary>
    public long PartSizeBytes { get; set; } = 16 * MiB;

    /// <summary>Objects larger than this are copied with UploadPartCopy: a single CopyObject stops at 5 GB.</summary>
    public long MultipartCopyThresholdBytes { get; set; } = 5L * 1024 * MiB;

    /// <summary>Part size of a multipart copy.</summary>
    public long CopyPartSizeBytes { get; set; } = 512 * MiB;

    /// <summary>SDK retries per call before the step's own Retry takes over; null for the SDK default.</summary>
    public int? MaxErrorRetry { get; set; }

    /// <summary>Per-request HTTP timeout; null for the SDK default.</summary>
    public TimeSpan? Timeout { get; set; }
}
