using System.Text.Json;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Server.Api;

/// <summary>
/// The one place where failures become HTTP answers: every refusal is JSON <c>{error, message}</c>, bad input is
/// always a 4xx, and only faults of the server itself are 5xx.
/// </summary>
internal static class ApiErrors
{
    /// <summary>Status for a step's stable error name (what Validate, Store… fail with).</summary>
    public static int StatusForErrorName(string? errorName) => errorName switch
    {
        ErrorNames.UploadRejected => StatusCodes.Status400BadRequest,
        ErrorNames.NotFound => StatusCodes.Status404NotFound,
        ErrorNames.Conflict => StatusCodes.Status409Conflict,
        ErrorNames.InsufficientStorage => StatusCodes.Status507InsufficientStorage,
        ErrorNames.StorageUnavailable => StatusCodes.Status503ServiceUnavailable,
        ApiErrorNames.TooLarge => StatusCodes.Status413PayloadTooLarge,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ApiException FromErrorName(string? errorName, string? message) =>
        new(StatusForErrorName(errorName), errorName ?? ApiErrorNames.ServerError, message ?? "The upload failed.");

    /// <summary>Maps any exception that escaped an endpoint.</summary>
    public static ApiException Map(Exception exception, HttpContext context) => exception switch
    {
        ApiException api => api,
        ObjectTooLargeException tooLarge => ApiException.TooLarge($"The body is larger than {tooLarge.MaxBytes} bytes."),
        StepFailedException step => FromErrorName(step.ErrorName, step.Message),
        // Kestrel's own refusals: body past MaxRequestBodySize (413), too slow (408), cut short (400)…
        BadHttpRequestException bad => new ApiException(
            bad.StatusCode,
            bad.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => ApiErrorNames.TooLarge,
                StatusCodes.Status408RequestTimeout => ApiErrorNames.RequestTimeout,
                _ => ApiErrorNames.BadRequest,
            },
            bad.Message),
        JsonException => ApiException.BadRequest("The body is not valid JSON of the expected shape."),
        InvalidDataException invalid => ApiException.BadRequest(invalid.Message),
        // The client went away mid-body: nothing to answer, but it is their fault, not ours.
        IOException or OperationCanceledException when context.RequestAborted.IsCancellationRequested =>
            ApiException.BadRequest("The request was aborted by the client."),
        _ => new ApiException(StatusCodes.Status500InternalServerError, ApiErrorNames.ServerError, "An unexpected error occurred."),
    };

    public static async Task WriteAsync(HttpContext context, int statusCode, string error, string message)
    {
        context.Response.Clear();
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        // The request body may still be arriving (a refused upload): answering and closing beats draining gigabytes.
        if (statusCode is StatusCodes.Status413PayloadTooLarge or StatusCodes.Status408RequestTimeout or StatusCodes.Status415UnsupportedMediaType)
        {
            context.Response.Headers.Connection = "close";
        }

        await JsonSerializer.SerializeAsync(context.Response.Body, new ErrorBody(error, message), ApiJsonContext.Api.ErrorBody, context.RequestAborted);
    }
}
