using Amazon.DynamoDBv2;
using Amazon.S3;
using FileUploader.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FileUploader.Storage.Aws;

public static class AwsStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the S3 object store, the S3 link signer and the DynamoDB catalog as the Core ports, with one S3 and
    /// one DynamoDB client each (singletons: the clients pool connections and are thread-safe). Clients already
    /// registered are kept, so a host can supply its own.
    /// </summary>
    public static IServiceCollection AddAwsStorage(this IServiceCollection services, AwsStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.BucketName);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TableName);

        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAmazonS3>(_ => AwsClientFactory.CreateS3Client(options));
        services.TryAddSingleton<IAmazonDynamoDB>(_ => AwsClientFactory.CreateDynamoDbClient(options));
        services.AddSingleton<IObjectStore, S3ObjectStore>();
        services.AddSingleton<ILinkSigner, S3LinkSigner>();
        services.AddSingleton<IFileCatalog, DynamoDbFileCatalog>();
        return services;
    }
}
