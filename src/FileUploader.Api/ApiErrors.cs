using System.Text.Json;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Api;

/// <summary>
/// Where failures become answers, for every host: every refusal is JSON <c>{error, message}</c>, bad input is always
/// a 4xx, and only faults of the service itself are 5xx. A host adds its own transport's failures in front.
/// </summary>
public static class ApiErrors
{
    /// <summary>Status for a step's stable error name (what Validate, Store… fail with).</summary>
    public static int StatusForErrorName(string? errorName) => errorName switch
    {
        ErrorNames.UploadRejected => HttpStatus.BadRequest,
        ErrorNames.NotFound => HttpStatus.NotFound,
        ErrorNames.Conflict => HttpStatus.Conflict,
        ErrorNames.InsufficientStorage => HttpStatus.InsufficientStorage,
        ErrorNames.StorageUnavailable => HttpStatus.ServiceUnavailable,
        ApiErrorNames.TooLarge => HttpStatus.PayloadTooLarge,
        _ => HttpStatus.InternalServerError,
    };

    public static ApiException FromErrorName(string? errorName, string? message) =>
        new(StatusForErrorName(errorName), errorName ?? ApiErrorNames.ServerError, message ?? "The upload failed.");

    /// <summary>Maps a failure that knows nothing of the transport; anything unknown is a 500 that says nothing inside.</summary>
    public static ApiException Map(Exception exception) => exception switch
    {
        ApiException api => api,
        ObjectTooLargeException tooLarge => ApiException.TooLarge($"The body is larger than {tooLarge.MaxBytes} bytes."),
        StepFailedException step => FromErrorName(step.ErrorName, step.Message),
        JsonException => ApiException.BadRequest("The body is not valid JSON of the expected shape."),
        InvalidDataException invalid => ApiException.BadRequest(invalid.Message),
        _ => new ApiException(HttpStatus.InternalServerError, ApiErrorNames.ServerError, "An unexpected error occurred."),
    };

    /// <summary>Refuses a compressed body: inflating would let a few kilobytes claim gigabytes (a zip bomb).</summary>
    public static void RefuseEncodedBody(string? contentEncoding)
    {
        if (!string.IsNullOrEmpty(contentEncoding) && !contentEncoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(HttpStatus.UnsupportedMediaType, ApiErrorNames.UnsupportedContentEncoding, $"Content-Encoding '{contentEncoding}' is not accepted; send the bytes as they are.");
        }
    }
}
