using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Aws.Tests;

/// <summary>
/// AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_DYNAMODB are honoured as by every AWS SDK: AWSSDK.Core
/// 4.1 reads them itself (service-specific first) when a client config is created, and the factory relies on that
/// rather than reading them again. Each test talks to a real server through the variables alone.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class EndpointEnvironmentTests(MotoServerFixture moto, DynaliteFixture dynalite)
    : IClassFixture<MotoServerFixture>, IClassFixture<DynaliteFixture>
{
    private static readonly string[] Variables = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"];

    private static AwsStorageOptions OptionsWithoutEndpoints() => new()
    {
        BucketName = "fu-env-" + Guid.NewGuid().ToString("N")[..12],
        TableName = "fu-env-" + Guid.NewGuid().ToString("N")[..12],
        Region = AwsTestStorage.Region,
        Credentials = new BasicAWSCredentials("test", "test"),
    };

    [Fact]
    public async Task CreateClients_ServiceSpecificVariables_EachClientTalksToItsServer()
    {
        using var _ = new EnvironmentScope(new()
        {
            ["AWS_ENDPOINT_URL_S3"] = moto.ServiceUrl.ToString(),
            ["AWS_ENDPOINT_URL_DYNAMODB"] = dynalite.ServiceUrl.ToString(),
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9/",
        });
        var options = OptionsWithoutEndpoints();

        using var s3 = AwsClientFactory.CreateS3Client(options);
        using var dynamoDb = AwsClientFactory.CreateDynamoDbClient(options);

        Assert.Equal(moto.ServiceUrl, new Uri(s3.Config.ServiceURL));
        Assert.Equal(dynalite.ServiceUrl, new Uri(dynamoDb.Config.ServiceURL));
        await AwsResourceSetup.EnsureBucketAsync(s3, options.BucketName, CancellationToken.None);
        var stored = await new S3ObjectStore(s3, options).PutAsync("staging/env", new MemoryStream([1, 2]), 10, "text/plain", CancellationToken.None);
        Assert.Equal(2, stored.Size);
        await AwsResourceSetup.EnsureTableAsync(dynamoDb, options.TableName, CancellationToken.None);
        Assert.Contains(options.TableName, (await dynamoDb.ListTablesAsync(new ListTablesRequest())).TableNames);
    }

    [Fact]
    public async Task CreateClients_OnlyTheGlobalVariable_BothClientsUseItWithPathStyleS3()
    {
        using var _ = new EnvironmentScope(new() { ["AWS_ENDPOINT_URL"] = moto.ServiceUrl.ToString() });
        var options = OptionsWithoutEndpoints();

        using var s3 = AwsClientFactory.CreateS3Client(options);
        using var dynamoDb = AwsClientFactory.CreateDynamoDbClient(options);

        // A bucket.127.0.0.1 host cannot resolve: a configured endpoint turns path-style addressing on.
        Assert.True(s3.Config is Amazon.S3.AmazonS3Config { ForcePathStyle: true });
        await AwsResourceSetup.EnsureBucketAsync(s3, options.BucketName, CancellationToken.None);
        await AwsResourceSetup.EnsureTableAsync(dynamoDb, options.TableName, CancellationToken.None);
        Assert.Contains(options.BucketName, (await s3.ListBucketsAsync()).Buckets!.Select(b => b.BucketName));
        Assert.Contains(options.TableName, (await dynamoDb.ListTablesAsync(new ListTablesRequest())).TableNames);
    }

    [Fact]
    public void CreateClients_ExplicitServiceUrls_WinOverTheEnvironment()
    {
        using var _ = new EnvironmentScope(new()
        {
            ["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:9/",
            ["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:9/",
        });
        var options = OptionsWithoutEndpoints();
        options.S3ServiceUrl = moto.ServiceUrl;
        options.DynamoDbServiceUrl = dynalite.ServiceUrl;

        using var s3 = AwsClientFactory.CreateS3Client(options);
        using var dynamoDb = AwsClientFactory.CreateDynamoDbClient(options);

        Assert.Equal(moto.ServiceUrl, new Uri(s3.Config.ServiceURL));
        Assert.Equal(dynalite.ServiceUrl, new Uri(dynamoDb.Config.ServiceURL));
    }

    [Fact]
    public void CreateS3Client_NoEndpointAnywhere_UsesVirtualHostedAwsAddressing()
    {
        using var _ = new EnvironmentScope([]);

        using var s3 = AwsClientFactory.CreateS3Client(OptionsWithoutEndpoints());

        Assert.Null(s3.Config.ServiceURL);
        Assert.True(s3.Config is Amazon.S3.AmazonS3Config { ForcePathStyle: false });
        Assert.Equal("us-east-1", s3.Config.RegionEndpoint.SystemName);
    }

    /// <summary>Sets the endpoint variables for one test (clearing the others) and restores them afterwards.</summary>
    private sealed class EnvironmentScope : IDisposable
    {
        private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);

        public EnvironmentScope(Dictionary<string, string> values)
        {
            foreach (var name in Variables)
            {
                Environment.SetEnvironmentVariable(name, values.GetValueOrDefault(name));
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
