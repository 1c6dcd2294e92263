using System.Net;
using Amazon.Runtime;
using FileUploader.Core.Domain;

namespace FileUploader.Storage.Aws;

/// <summary>
/// Turns what the AWS SDK throws into the port's stable error names, in one place for S3 and DynamoDB:
/// throttling, 5xx, timeouts and broken connections are <see cref="ErrorNames.StorageUnavailable"/> and
/// retryable (the SDK has already retried a few times; the state machine's Retry takes it from there);
/// any other refusal (access denied, missing bucket or table) is StorageUnavailable too, but retrying a
/// misconfiguration cannot help, so it is not retryable.
/// </summary>
internal static class AwsFailures
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "TransactionInProgressException",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "InternalServerError",
        "ServiceUnavailable",
        // S3 409s that say "try again": a conditional write raced another (If-None-Match), or a conflicting
        // bucket operation was in progress.
        "ConditionalRequestConflict",
        "OperationAborted",
    };

    public static async Task<T> RunAsync<T>(string what, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (Translate(what, ex, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    public static async Task RunAsync(string what, Func<Task> call, CancellationToken cancellationToken)
    {
        try
        {
            await call();
        }
        catch (Exception ex) when (Translate(what, ex, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>The port's exception for <paramref name="ex"/>, or null to let it through unchanged.</summary>
    public static StepFailedException? Translate(string what, Exception ex, CancellationToken cancellationToken)
    {
        switch (ex)
        {
            case StepFailedException:
            case Amazon.DynamoDBv2.Model.ConditionalCheckFailedException:
                // A condition that did not hold is an answer, which the catalog turns into the port's result.
                return null;
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                // The caller gave up; that is not a storage failure.
                return null;
            case AmazonServiceException service when IsTransient(service):
                return new StepFailedException(
                    ErrorNames.StorageUnavailable,
                    $"{what} failed for now ({service.ErrorCode ?? service.StatusCode.ToString()}): {service.Message}",
                    retryable: true,
                    ex);
            case AmazonServiceException service:
                return new StepFailedException(
                    ErrorNames.StorageUnavailable,
                    $"{what} was refused ({service.ErrorCode ?? service.StatusCode.ToString()}): {service.Message}",
                    retryable: false,
                    ex);
            case AmazonClientException:
            case HttpRequestException:
            case IOException:
            case TimeoutException:
            case OperationCanceledException:
                // Connection refused or reset, DNS, an HTTP timeout (surfaces as a cancellation we did not ask for).
                return new StepFailedException(
                    ErrorNames.StorageUnavailable,
                    $"{what} could not reach the service: {ex.Message}",
                    retryable: true,
                    ex);
            default:
                return null;
        }
    }

    private static bool IsTransient(AmazonServiceException ex) =>
        (int)ex.StatusCode >= 500
        || ex.StatusCode == HttpStatusCode.TooManyRequests
        || ex.StatusCode == HttpStatusCode.RequestTimeout
        || (ex.ErrorCode is not null && ThrottlingCodes.Contains(ex.ErrorCode))
        || ex.InnerException is HttpRequestException or IOException or TimeoutException;
}
