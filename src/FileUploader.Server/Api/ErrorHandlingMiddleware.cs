using FileUploader.Api;
using FileUploader.Server.Diagnostics;
using FileUploader.Server.Web;

namespace FileUploader.Server.Api;

/// <summary>
/// Catches what endpoints throw and answers through <see cref="ServerApiErrors"/>; also gives routing's bare 404/405 a
/// JSON body, so no client ever has to parse an HTML or empty error.
/// </summary>
internal sealed class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception)
        {
            var error = ServerApiErrors.Map(exception, context);
            if (error.StatusCode >= 500)
            {
                Log.UnhandledError(logger, context.Request.Method, context.Request.Path, exception);
            }
            else
            {
                Log.RequestRefused(logger, context.Request.Method, context.Request.Path, error.StatusCode, error.Error, error.Message);
            }

            if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
            {
                // Headers are gone (or so is the client): cutting the connection is the only honest signal left.
                context.Abort();
                return;
            }

            if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path == "/upload" && UploadResultPage.IsWanted(context.Request))
            {
                // The no-JavaScript upload form: a person reads this, so the refusal is a page (same status code).
                context.Response.Clear();
                context.Response.StatusCode = error.StatusCode;
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync(UploadResultPage.Failure(error.Message));
                return;
            }

            await ServerApiErrors.WriteAsync(context, error.StatusCode, error.Error, error.Message);
            return;
        }

        if (!context.Response.HasStarted && context.Response.StatusCode is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed
            && context.Response.ContentLength is null && context.Response.ContentType is null)
        {
            var notFound = context.Response.StatusCode == StatusCodes.Status404NotFound;
            await ServerApiErrors.WriteAsync(
                context,
                context.Response.StatusCode,
                notFound ? ApiErrorNames.NotFound : ApiErrorNames.MethodNotAllowed,
                notFound ? "There is nothing at this address." : $"{context.Request.Method} is not allowed here.");
        }
    }
}
