using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using FileUploader.Core.Domain;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Aws.Tests;

/// <summary>The DynamoDB layout that the template's TTL and the catalog's conditions rely on, read with a raw client.</summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDbFileCatalogTests(MotoServerFixture moto) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2031, 3, 14, 15, 9, 26, TimeSpan.Zero);
    private readonly AwsStorageOptions _options = AwsTestStorage.Options(null, moto);
    private AmazonDynamoDBClient? _dynamoDb;

    private AmazonDynamoDBClient DynamoDb => _dynamoDb!;

    private DynamoDbFileCatalog Catalog => new(DynamoDb, _options);

    public async Task InitializeAsync() => _dynamoDb = await AwsTestStorage.CreateTableAsync(_options);

    public Task DisposeAsync()
    {
        _dynamoDb?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task EnsureTableAsync_NewTable_IsOnDemandWithTtlOnTheTtlAttribute()
    {
        var ttl = await DynamoDb.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = _options.TableName });
        var table = await DynamoDb.DescribeTableAsync(_options.TableName);

        Assert.Equal(TimeToLiveStatus.ENABLED, ttl.TimeToLiveDescription.TimeToLiveStatus);
        Assert.Equal("ttl", ttl.TimeToLiveDescription.AttributeName);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, table.Table.BillingModeSummary.BillingMode);
        Assert.Equal("id", Assert.Single(table.Table.KeySchema).AttributeName);
    }

    [Fact]
    public async Task PutFileAsync_Record_WritesTtlAsEpochSecondsOfExpiresAtUnderATypedKey()
    {
        var record = new FileRecord("f1", "u1", "a.txt", Now, Now.AddHours(1), "files/f1", 0, 5, "text/plain", new string('a', 64), FileStatus.Available, "exec", new string('b', 64), 3);

        await Catalog.PutFileAsync(record, CancellationToken.None);

        var item = (await DynamoDb.GetItemAsync(_options.TableName, new() { ["id"] = new AttributeValue("file#f1") }, consistentRead: true)).Item;
        Assert.Equal(Now.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), item["ttl"].N);
        Assert.Equal("file", item["type"].S);
        Assert.Equal("0", item["downloadCount"].N);
        Assert.Equal("3", item["maxDownloads"].N);
    }

    [Fact]
    public async Task TryCreateUploadAsync_Session_KeepsItPastItsFileForTheTtlBackstop()
    {
        var session = new UploadSession("u2", "a.txt", 5, null, Now, Now.AddMinutes(15), TimeSpan.FromHours(1), null, new string('c', 64), UploadStatus.Pending, "f2", null, null);

        await Catalog.TryCreateUploadAsync(session, CancellationToken.None);

        var item = (await DynamoDb.GetItemAsync(_options.TableName, new() { ["id"] = new AttributeValue("upload#u2") }, consistentRead: true)).Item;
        var ttl = DateTimeOffset.FromUnixTimeSeconds(long.Parse(item["ttl"].N, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("upload", item["type"].S);
        Assert.Equal(Now.AddMinutes(15) + TimeSpan.FromHours(1) + TimeSpan.FromDays(1), ttl);
    }

    [Fact]
    public async Task FileAndUploadWithTheSameId_AreSeparateItems()
    {
        var session = new UploadSession("same", "a.txt", 5, null, Now, Now.AddMinutes(15), TimeSpan.FromHours(1), null, new string('c', 64), UploadStatus.Pending, "same", null, null);
        var record = new FileRecord("same", "same", "a.txt", Now, Now.AddHours(1), "files/same", 0, 5, "text/plain", new string('a', 64), FileStatus.Available, "exec", new string('b', 64), null);

        Assert.True(await Catalog.TryCreateUploadAsync(session, CancellationToken.None));
        await Catalog.PutFileAsync(record, CancellationToken.None);

        Assert.Equal(session, await Catalog.GetUploadAsync("same", CancellationToken.None));
        Assert.Equal(record, await Catalog.GetFileAsync("same", CancellationToken.None));
    }
}
