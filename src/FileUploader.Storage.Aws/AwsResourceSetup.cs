using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;

namespace FileUploader.Storage.Aws;

/// <summary>
/// Creates the bucket and table the adapters expect, for tests and for <c>--storage aws</c> against a local
/// server. In AWS, template.yaml creates both (with public access blocked, TLS-only policy, PITR, logging);
/// this is deliberately not used there.
/// </summary>
public static class AwsResourceSetup
{
    public static async Task EnsureBucketAsync(IAmazonS3 s3, string bucketName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(s3);
        try
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucketName }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // Already there: creating is idempotent for our purposes.
        }
    }

    /// <summary>Creates the table (on demand, key <c>id</c>), waits until it is ACTIVE, and turns TTL on for <c>ttl</c>.</summary>
    public static async Task EnsureTableAsync(IAmazonDynamoDB dynamoDb, string tableName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        try
        {
            await dynamoDb.CreateTableAsync(
                new CreateTableRequest
                {
                    TableName = tableName,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    AttributeDefinitions = [new AttributeDefinition(CatalogItems.Id, ScalarAttributeType.S)],
                    KeySchema = [new KeySchemaElement(CatalogItems.Id, KeyType.HASH)],
                },
                cancellationToken);
        }
        catch (ResourceInUseException)
        {
            // Already there (or being created by a parallel caller): wait for it below.
        }

        while (true)
        {
            var table = await dynamoDb.DescribeTableAsync(new DescribeTableRequest { TableName = tableName }, cancellationToken);
            if (table.Table.TableStatus == TableStatus.ACTIVE)
            {
                break;
            }

            // Table creation is asynchronous on the server; there is no event to wait on, only its status.
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        try
        {
            await dynamoDb.UpdateTimeToLiveAsync(
                new UpdateTimeToLiveRequest
                {
                    TableName = tableName,
                    TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = CatalogItems.Ttl, Enabled = true },
                },
                cancellationToken);
        }
        catch (AmazonDynamoDBException ex) when (ex.ErrorCode is "UnknownOperationException" || ex.Message.Contains("already enabled", StringComparison.OrdinalIgnoreCase))
        {
            // dynalite does not implement TTL, and a second enable is refused by AWS: neither matters to the catalog.
        }
    }
}
