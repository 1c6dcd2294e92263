using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Aws.Tests;

/// <summary>Options, clients and fresh buckets/tables on a test server, through the production factory and setup code.</summary>
internal static class AwsTestStorage
{
    public const string Region = "us-east-1";

    /// <summary>Small enough that a few MiB exercise multipart upload and multipart copy (S3's minimum part is 5 MiB).</summary>
    public const long SmallPart = 5 * AwsStorageOptions.MiB;

    public static AwsStorageOptions Options(LoopbackServer? s3Server, LoopbackServer? dynamoServer, bool smallParts = true)
    {
        var credentialsFrom = s3Server ?? dynamoServer ?? throw new ArgumentException("Give at least one server.");
        var options = new AwsStorageOptions
        {
            BucketName = "fu-test-" + Guid.NewGuid().ToString("N")[..16],
            TableName = "fu-test-" + Guid.NewGuid().ToString("N")[..16],
            Region = Region,
            S3ServiceUrl = s3Server?.ServiceUrl,
            DynamoDbServiceUrl = dynamoServer?.ServiceUrl,
            Credentials = credentialsFrom.IsExternal ? null : new BasicAWSCredentials(credentialsFrom.AccessKeyId, credentialsFrom.SecretAccessKey),
        };
        if (smallParts)
        {
            options.MultipartThresholdBytes = SmallPart;
            options.PartSizeBytes = SmallPart;
        }

        return options;
    }

    public static async Task<AmazonS3Client> CreateBucketAsync(AwsStorageOptions options)
    {
        var s3 = AwsClientFactory.CreateS3Client(options);
        await AwsResourceSetup.EnsureBucketAsync(s3, options.BucketName, CancellationToken.None);
        return s3;
    }

    public static async Task<AmazonDynamoDBClient> CreateTableAsync(AwsStorageOptions options)
    {
        var dynamoDb = AwsClientFactory.CreateDynamoDbClient(options);
        await AwsResourceSetup.EnsureTableAsync(dynamoDb, options.TableName, CancellationToken.None);
        return dynamoDb;
    }

    public static async Task<S3ObjectStore> CreateObjectStoreAsync(LoopbackServer server)
    {
        var options = Options(server, null);
        return new S3ObjectStore(await CreateBucketAsync(options), options);
    }

    public static async Task<DynamoDbFileCatalog> CreateCatalogAsync(LoopbackServer server)
    {
        var options = Options(null, server);
        return new DynamoDbFileCatalog(await CreateTableAsync(options), options);
    }
}
