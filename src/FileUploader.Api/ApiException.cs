namespace FileUploader.Api;

/// <summary>
/// A request the API refuses, with the status, a stable error name and a message for the caller.
/// Thrown anywhere below a route; <see cref="ApiErrors"/> turns it (and every other failure) into the answer.
/// </summary>
public sealed class ApiException(int statusCode, string error, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Error { get; } = error;

    public static ApiException BadRequest(string message) => new(HttpStatus.BadRequest, ApiErrorNames.BadRequest, message);

    public static ApiException NotFound(string message) => new(HttpStatus.NotFound, ApiErrorNames.NotFound, message);

    public static ApiException Gone(string error, string message) => new(HttpStatus.Gone, error, message);

    public static ApiException Forbidden(string message) => new(HttpStatus.Forbidden, ApiErrorNames.InvalidSignature, message);

    public static ApiException TooLarge(string message) => new(HttpStatus.PayloadTooLarge, ApiErrorNames.TooLarge, message);
}

/// <summary>The <c>error</c> values of the HTTP API that are not step error names.</summary>
public static class ApiErrorNames
{
    public const string BadRequest = "BadRequest";
    public const string NotFound = "NotFound";
    public const string InvalidSignature = "InvalidSignature";
    public const string InvalidDeleteToken = "InvalidDeleteToken";
    public const string LinkExpired = "LinkExpired";
    public const string DownloadLimitReached = "DownloadLimitReached";
    public const string Revoked = "Revoked";
    public const string TooLarge = "TooLarge";
    public const string UnsupportedContentEncoding = "UnsupportedContentEncoding";
    public const string AlreadyUploaded = "AlreadyUploaded";
    public const string MethodNotAllowed = "MethodNotAllowed";
    public const string RequestTimeout = "RequestTimeout";
    public const string ServerError = "ServerError";
}
