using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using static FileUploader.Storage.Aws.CatalogItems;

namespace FileUploader.Storage.Aws;

/// <summary>
/// <see cref="IFileCatalog"/> on one DynamoDB table (partition key <c>id</c>, see <see cref="CatalogItems"/>).
/// Every write that must happen once is a condition expression, so a replayed step or a race is decided by
/// DynamoDB, not by a read-then-write; reads a user would notice are strongly consistent.
/// </summary>
public sealed class DynamoDbFileCatalog(IAmazonDynamoDB dynamoDb, AwsStorageOptions options) : IFileCatalog
{
    private string Table => options.TableName;

    public async Task<bool> TryCreateUploadAsync(UploadSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            await AwsFailures.RunAsync(
                "Creating upload " + session.Id,
                () => dynamoDb.PutItemAsync(
                    new PutItemRequest
                    {
                        TableName = Table,
                        Item = ToItem(session),
                        ConditionExpression = "attribute_not_exists(#id)",
                        ExpressionAttributeNames = new() { ["#id"] = Id },
                    },
                    cancellationToken),
                cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<UploadSession?> GetUploadAsync(string uploadId, CancellationToken cancellationToken)
    {
        var item = await GetItemAsync(UploadKey(uploadId), cancellationToken);
        return item is null ? null : ToUploadSession(item);
    }

    public async Task<bool> TryUpdateUploadStatusAsync(
        string uploadId,
        UploadStatus status,
        IReadOnlyCollection<UploadStatus> expectedStatuses,
        string? fileId,
        string? error,
        string? message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expectedStatuses);
        if (expectedStatuses.Count == 0)
        {
            return false;
        }

        var names = new Dictionary<string, string> { ["#id"] = Id, ["#status"] = Status };
        var values = new Dictionary<string, AttributeValue> { [":status"] = S(status.ToString()) };
        var expected = expectedStatuses.Distinct().Select((s, i) => (Name: $":e{i}", Value: s)).ToList();
        foreach (var (name, value) in expected)
        {
            values[name] = S(value.ToString());
        }

        // Null leaves a field as it is: a failure keeps the file id assigned at creation.
        var set = new List<string> { "#status = :status" };
        foreach (var (attribute, value) in new[] { (FileId, fileId), (Error, error), (Message, message) })
        {
            if (value is not null)
            {
                names["#" + attribute] = attribute;
                set.Add($"#{attribute} = :{attribute}");
                values[":" + attribute] = S(value);
            }
        }

        var update = "SET " + string.Join(", ", set);
        try
        {
            await AwsFailures.RunAsync(
                "Updating upload " + uploadId,
                () => dynamoDb.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = Table,
                        Key = CatalogItems.Key(UploadKey(uploadId)),
                        UpdateExpression = update,
                        ConditionExpression = $"attribute_exists(#id) AND #status IN ({string.Join(", ", expected.Select(e => e.Name))})",
                        ExpressionAttributeNames = names,
                        ExpressionAttributeValues = values,
                    },
                    cancellationToken),
                cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task PutFileAsync(FileRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            // Only a new id is written. A replay of the same execution must not overwrite the first write (its
            // download count, or an expiry computed from an earlier clock), so it is recognised by reading below
            // rather than by "attribute_not_exists(id) OR executionId = :e", which would overwrite.
            await AwsFailures.RunAsync(
                "Recording file " + record.Id,
                () => dynamoDb.PutItemAsync(
                    new PutItemRequest
                    {
                        TableName = Table,
                        Item = ToItem(record),
                        ConditionExpression = "attribute_not_exists(#id)",
                        ExpressionAttributeNames = new() { ["#id"] = Id },
                    },
                    cancellationToken),
                cancellationToken);
        }
        catch (ConditionalCheckFailedException ex)
        {
            var existing = await GetFileAsync(record.Id, cancellationToken);
            if (existing is null)
            {
                // Deleted between the two calls (compensation): try once more from the start.
                await PutFileAsync(record, cancellationToken);
                return;
            }

            if (existing.ExecutionId != record.ExecutionId)
            {
                throw new StepFailedException(
                    ErrorNames.Conflict,
                    $"File {record.Id} was recorded by execution {existing.ExecutionId}; {record.ExecutionId} may not overwrite it.",
                    retryable: false,
                    ex);
            }
        }
    }

    public async Task<FileRecord?> GetFileAsync(string fileId, CancellationToken cancellationToken)
    {
        var item = await GetItemAsync(FileKey(fileId), cancellationToken);
        return item is null ? null : ToFileRecord(item);
    }

    public async Task<DownloadClaim> TryCountDownloadAsync(string fileId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var response = await AwsFailures.RunAsync(
                "Counting a download of " + fileId,
                () => dynamoDb.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = Table,
                        Key = CatalogItems.Key(FileKey(fileId)),
                        UpdateExpression = "ADD #downloadCount :one",
                        // One atomic step: DynamoDB serialises writes to an item, so 200 racing downloads of a
                        // 10-download link give exactly 10 successes.
                        ConditionExpression =
                            "attribute_exists(#id) AND #status = :available AND #expiresAt > :now "
                            + "AND (attribute_not_exists(#maxDownloads) OR #downloadCount < #maxDownloads)",
                        ExpressionAttributeNames = new()
                        {
                            ["#id"] = Id,
                            ["#status"] = Status,
                            ["#expiresAt"] = ExpiresAt,
                            ["#downloadCount"] = DownloadCount,
                            ["#maxDownloads"] = MaxDownloads,
                        },
                        ExpressionAttributeValues = new()
                        {
                            [":one"] = N(1),
                            [":available"] = S(nameof(FileStatus.Available)),
                            [":now"] = S(Time(now)),
                        },
                        ReturnValues = ReturnValue.ALL_NEW,
                    },
                    cancellationToken),
                cancellationToken);
            return new DownloadClaim(DownloadClaimResult.Counted, ToFileRecord(response.Attributes));
        }
        catch (ConditionalCheckFailedException)
        {
            // Refused: read the record to say why. Nothing is counted, so a stale read cannot over-count.
            var record = await GetFileAsync(fileId, cancellationToken);
            var result = record switch
            {
                null => DownloadClaimResult.NotFound,
                { Status: FileStatus.Revoked } => DownloadClaimResult.Revoked,
                { Status: FileStatus.Expired } => DownloadClaimResult.Expired,
                _ when record.ExpiresAt <= now => DownloadClaimResult.Expired,
                _ => DownloadClaimResult.LimitReached,
            };
            return new DownloadClaim(result, record);
        }
    }

    public async Task<bool> TrySetFileStatusAsync(string fileId, FileStatus status, CancellationToken cancellationToken)
    {
        try
        {
            await AwsFailures.RunAsync(
                $"Marking file {fileId} {status}",
                () => dynamoDb.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = Table,
                        Key = CatalogItems.Key(FileKey(fileId)),
                        UpdateExpression = "SET #status = :status",
                        ConditionExpression = "attribute_exists(#id) AND #status <> :status",
                        ExpressionAttributeNames = new() { ["#id"] = Id, ["#status"] = Status },
                        ExpressionAttributeValues = new() { [":status"] = S(status.ToString()) },
                    },
                    cancellationToken),
                cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<bool> DeleteFileAsync(string fileId, CancellationToken cancellationToken)
    {
        var response = await AwsFailures.RunAsync(
            "Deleting file " + fileId,
            () => dynamoDb.DeleteItemAsync(
                new DeleteItemRequest { TableName = Table, Key = CatalogItems.Key(FileKey(fileId)), ReturnValues = ReturnValue.ALL_OLD },
                cancellationToken),
            cancellationToken);
        return response.Attributes is { Count: > 0 };
    }

    private async Task<Dictionary<string, AttributeValue>?> GetItemAsync(string id, CancellationToken cancellationToken)
    {
        var response = await AwsFailures.RunAsync(
            "Reading " + id,
            () => dynamoDb.GetItemAsync(
                new GetItemRequest { TableName = Table, Key = CatalogItems.Key(id), ConsistentRead = true },
                cancellationToken),
            cancellationToken);
        return response.Item is { Count: > 0 } ? response.Item : null;
    }
}
