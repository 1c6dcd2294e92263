using System.Text.Json;
using FileUploader.Api;

namespace FileUploader.Server.Api;

/// <summary>
/// The server's side of turning failures into HTTP answers: Kestrel's own refusals and a client that went away come
/// first, everything else is the shared mapping (<see cref="FileUploader.Api.ApiErrors"/>). Every refusal is JSON
/// <c>{error, message}</c>, bad input is always a 4xx, and only faults of the server itself are 5xx.
/// </summary>
internal static class ServerApiErrors
{
    /// <summary>Maps any exception that escaped an endpoint.</summary>
    public static ApiException Map(Exception exception, HttpContext context) => exception switch
    {
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
        // The client went away mid-body: nothing to answer, but it is their fault, not ours.
        IOException or OperationCanceledException when context.RequestAborted.IsCancellationRequested =>
            ApiException.BadRequest("The request was aborted by the client."),
        _ => FileUploader.Api.ApiErrors.Map(exception),
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
