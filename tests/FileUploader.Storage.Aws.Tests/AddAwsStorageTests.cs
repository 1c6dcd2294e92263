using Amazon.DynamoDBv2;
using Amazon.S3;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Testing.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Storage.Aws.Tests;

[Collection(MotoCollection.Name)]
public sealed class AddAwsStorageTests(MotoServerFixture moto)
{
    [Fact]
    public async Task AddAwsStorage_Resolved_PortsAreTheAwsAdaptersWorkingAgainstTheConfiguredServer()
    {
        var options = AwsTestStorage.Options(moto, moto);
        using (await AwsTestStorage.CreateBucketAsync(options))
        using (await AwsTestStorage.CreateTableAsync(options))
        {
        }

        await using var provider = new ServiceCollection().AddAwsStorage(options).BuildServiceProvider();

        var store = Assert.IsType<S3ObjectStore>(provider.GetRequiredService<IObjectStore>());
        var catalog = Assert.IsType<DynamoDbFileCatalog>(provider.GetRequiredService<IFileCatalog>());
        Assert.IsType<S3LinkSigner>(provider.GetRequiredService<ILinkSigner>());
        Assert.Same(provider.GetRequiredService<IAmazonS3>(), provider.GetRequiredService<IAmazonS3>());
        Assert.NotNull(provider.GetRequiredService<IAmazonDynamoDB>());

        var stored = await store.PutAsync("staging/di", new MemoryStream([7, 8, 9]), 10, "text/plain", CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var record = new FileRecord("di", "di-u", "a.txt", now, now.AddHours(1), "files/di", 0, stored.Size, "text/plain", stored.Sha256, FileStatus.Available, "e", new string('0', 64), null);
        await catalog.PutFileAsync(record, CancellationToken.None);
        Assert.Equal(record, await catalog.GetFileAsync("di", CancellationToken.None));
    }

    [Fact]
    public async Task EnsureBucketAndTable_CalledTwice_AreIdempotent()
    {
        // `--storage aws` against a local server calls these on every start.
        var options = AwsTestStorage.Options(moto, moto);
        using var s3 = AwsClientFactory.CreateS3Client(options);
        using var dynamoDb = AwsClientFactory.CreateDynamoDbClient(options);

        for (var i = 0; i < 2; i++)
        {
            await AwsResourceSetup.EnsureBucketAsync(s3, options.BucketName, CancellationToken.None);
            await AwsResourceSetup.EnsureTableAsync(dynamoDb, options.TableName, CancellationToken.None);
        }

        Assert.Contains(options.BucketName, (await s3.ListBucketsAsync()).Buckets!.Select(b => b.BucketName));
        Assert.Equal(Amazon.DynamoDBv2.TableStatus.ACTIVE, (await dynamoDb.DescribeTableAsync(options.TableName)).Table.TableStatus);
    }

    [Fact]
    public void AddAwsStorage_NoBucketName_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddAwsStorage(new AwsStorageOptions { BucketName = "", TableName = "t" }));
    }
}
