using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;

namespace FileUploader.Storage.Aws;

/// <summary>
/// Builds the S3 and DynamoDB clients from <see cref="AwsStorageOptions"/>. Endpoint environment variables are
/// left to AWSSDK.Core, which reads <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> then <c>AWS_ENDPOINT_URL</c> into
/// <see cref="ClientConfig.ServiceURL"/> when a config is created; an explicit URL in the options wins.
/// </summary>
public static class AwsClientFactory
{
    public static AmazonS3Client CreateS3Client(AwsStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonS3Config();
        Configure(config, options, options.S3ServiceUrl);

        // A configured endpoint is a local server or a proxy, which cannot resolve bucket.host names.
        config.ForcePathStyle = options.ForcePathStyle ?? config.ServiceURL is not null;
        return options.Credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(options.Credentials, config);
    }

    public static AmazonDynamoDBClient CreateDynamoDbClient(AwsStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonDynamoDBConfig();
        Configure(config, options, options.DynamoDbServiceUrl);
        return options.Credentials is null
            ? new AmazonDynamoDBClient(config)
            : new AmazonDynamoDBClient(options.Credentials, config);
    }

    private static void Configure(ClientConfig config, AwsStorageOptions options, Uri? serviceUrl)
    {
        if (options.Region is not null)
        {
            // With an endpoint (from the options or the environment) the region names the signing scope only;
            // the SDK still wants it set to validate the config.
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
            config.AuthenticationRegion = options.Region;
        }

        if (serviceUrl is not null)
        {
            config.ServiceURL = serviceUrl.ToString();
        }

        if (options.MaxErrorRetry is { } retries)
        {
            config.MaxErrorRetry = retries;
        }

        if (options.Timeout is { } timeout)
        {
            config.Timeout = timeout;
        }
    }
}
