using System.Text;
using System.Text.Json;
using FileUploader.Api;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Server.Diagnostics;
using FileUploader.Server.Uploads;
using FileUploader.Server.Web;
using FileUploader.Storage.Local;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FileUploader.Server.Api;

/// <summary>
/// The ways in that stream bytes through this server: the one-shot multipart <c>POST /upload</c> (curl, the form) and
/// the signed <c>PUT</c> of the two-step protocol. <c>POST /uploads</c> and <c>GET /uploads/{id}</c> are the shared
/// handling's (<see cref="SharedApiEndpoints"/>). Bytes stream straight to the staging object; nothing holds a whole
/// file in memory.
/// </summary>
internal static class UploadEndpoints
{
    // Multipart framing and the small form fields around the file.
    private const long MultipartOverheadBytes = 64 * 1024;
    private const int FormFieldMaxBytes = 1024;

    public static void MapUploadEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/upload", PostMultipartAsync);
        app.MapPut("/upload-target/{**key}", PutUploadTargetAsync);
    }

    private static async Task PostMultipartAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<ServerOptions>();
        var store = services.GetRequiredService<IObjectStore>();
        var uploads = services.GetRequiredService<UploadService>();
        var inFlight = services.GetRequiredService<InFlightUploads>();
        var logger = services.GetRequiredService<ILogger<UploadService>>();
        var aborted = context.RequestAborted;

        RefuseEncodedBody(context.Request);
        var boundary = MultipartBoundary(context.Request.ContentType);
        // Kestrel refuses the body (413) as soon as it crosses this, chunked or not.
        SetBodyLimit(context, options.MaxUploadBytes + MultipartOverheadBytes);

        var uploadId = Identifiers.NewId();
        using var lease = inFlight.Begin(uploadId);
        using var scope = logger.BeginScope(new ExecutionScope(uploadId, uploads.ExecutionArn(uploadId)));
        using var activity = ServerTelemetry.StartUpload("upload", uploadId);

        var reader = new MultipartReader(boundary, context.Request.Body, 64 * 1024)
        {
            BodyLengthLimit = null, // the object store's own bound reports the real limit (413)
            HeadersCountLimit = 16,
            HeadersLengthLimit = 16 * 1024,
        };

        string? expiresIn = null;
        string? maxDownloads = null;
        StoredObject? staged = null;
        string? fileName = null;
        try
        {
            MultipartSection? section;
            while ((section = await NextSectionAsync(reader, aborted)) is not null)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    throw ApiException.BadRequest("Every part of the form needs a 'Content-Disposition: form-data' header.");
                }

                var name = disposition.Name.Value?.Trim('"');
                switch (name)
                {
                    case "file" when staged is not null:
                        throw ApiException.BadRequest("Send one file per request.");
                    case "file":
                        if (!string.IsNullOrEmpty(section.Headers?.GetValueOrDefault(Microsoft.Net.Http.Headers.HeaderNames.ContentEncoding).ToString()))
                        {
                            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, ApiErrorNames.UnsupportedContentEncoding, "Encoded file parts are not accepted; send the bytes as they are.");
                        }

                        fileName = FileNameOf(disposition);
                        staged = await store.PutAsync(
                            UploadService.StagingKey(uploadId),
                            new ClientBodyStream(section.Body),
                            options.MaxUploadBytes,
                            string.IsNullOrWhiteSpace(section.ContentType) ? "application/octet-stream" : section.ContentType,
                            aborted);
                        Log.UploadStaged(logger, staged.Size);
                        break;
                    case "expiresIn":
                        expiresIn = await ReadFieldAsync(section, name, aborted);
                        break;
                    case "maxDownloads":
                        maxDownloads = await ReadFieldAsync(section, name, aborted);
                        break;
                    default:
                        // Unknown small fields (a form's submit button…) are ignored, but never buffered unbounded.
                        await ReadFieldAsync(section, name ?? "(unnamed)", aborted);
                        break;
                }
            }

            if (staged is null)
            {
                throw ApiException.BadRequest("The form has no 'file' field.");
            }

            var choices = UploadChoices.FromText(expiresIn, maxDownloads, services.GetRequiredService<ApiSettings>());
            var deleteToken = Identifiers.NewDeleteToken();
            var session = uploads.NewSession(uploadId, fileName ?? string.Empty, staged.Size, staged.ContentType, choices, deleteToken, UploadStatus.Processing);
            aborted.ThrowIfCancellationRequested();
            await uploads.CreateSessionAsync(session, aborted);
            staged = null; // from here the workflow owns the staged bytes (and compensates them)
            var view = await uploads.RunWorkflowAsync(session, deleteToken, aborted);
            if (UploadResultPage.IsWanted(context.Request))
            {
                // The upload form posted without JavaScript: the browser shows this page, not JSON.
                context.Response.StatusCode = StatusCodes.Status201Created;
                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.Headers.CacheControl = "no-store";
                await context.Response.WriteAsync(
                    UploadResultPage.Success(view.FileName!, view.Size ?? 0, new Uri(view.ShareUrl!), view.ExpiresAt!.Value, view.DeleteToken),
                    aborted);
                return;
            }

            await WriteJsonAsync(context, StatusCodes.Status201Created, view, ApiJsonContext.Api.UploadView, view.ShareUrl);
        }
        catch when (staged is not null)
        {
            // Refused before the workflow took over: nothing may be left behind.
            await uploads.DiscardStagingAsync(uploadId);
            throw;
        }
    }

    private static async Task PutUploadTargetAsync(HttpContext context, string key)
    {
        var services = context.RequestServices;
        // Only the embedded storage signs links to this server; with S3 the links point at the bucket instead.
        var signer = services.GetService<HmacLinkSigner>() ?? throw ApiException.NotFound("This server does not serve signed links; they point at the bucket.");
        var catalog = services.GetRequiredService<IFileCatalog>();
        var store = services.GetRequiredService<IObjectStore>();
        var uploads = services.GetRequiredService<UploadService>();
        var inFlight = services.GetRequiredService<InFlightUploads>();
        var logger = services.GetRequiredService<ILogger<UploadService>>();
        var aborted = context.RequestAborted;

        var check = signer.VerifyUploadTarget(key, QueryParameters.Of(context.Request));
        if (check.Status == LinkStatus.Invalid)
        {
            throw ApiException.Forbidden("The upload URL's signature does not match.");
        }

        var uploadId = UploadService.UploadIdFromStagingKey(key) ?? throw ApiException.Forbidden("The upload URL's signature does not match.");
        if (check.Status == LinkStatus.Expired)
        {
            throw ApiException.Gone(ApiErrorNames.LinkExpired, "The upload URL has expired; start a new upload.");
        }

        RefuseEncodedBody(context.Request);
        var maxBytes = check.MaxBytes ?? 0;
        if (context.Request.ContentLength > maxBytes)
        {
            throw ApiException.TooLarge($"The body is {context.Request.ContentLength} bytes; this upload was announced with {maxBytes}.");
        }

        using var lease = inFlight.Begin(uploadId);
        using var scope = logger.BeginScope(new ExecutionScope(uploadId, uploads.ExecutionArn(uploadId)));
        using var activity = ServerTelemetry.StartUpload("upload-target", uploadId);

        // Single use: exactly one PUT moves the session from Pending to Processing. Not cancellable: once claimed,
        // the outcome (stored, or failed and recorded) must be written even if the client goes away.
        if (!await catalog.TryUpdateUploadStatusAsync(uploadId, UploadStatus.Processing, [UploadStatus.Pending], null, null, null, CancellationToken.None))
        {
            throw await catalog.GetUploadAsync(uploadId, CancellationToken.None) is null
                ? ApiException.NotFound("There is no such upload.")
                : new ApiException(StatusCodes.Status409Conflict, ApiErrorNames.AlreadyUploaded, "This upload URL has been used already.");
        }

        SetBodyLimit(context, maxBytes);
        StoredObject staged;
        UploadSession session;
        try
        {
            session = await catalog.GetUploadAsync(uploadId, CancellationToken.None) ?? throw ApiException.NotFound("There is no such upload.");
            var contentType = string.IsNullOrEmpty(check.ContentType) ? context.Request.ContentType ?? "application/octet-stream" : check.ContentType;
            staged = await store.PutAsync(UploadService.StagingKey(uploadId), new ClientBodyStream(context.Request.Body), maxBytes, contentType, aborted);
            Log.UploadStaged(logger, staged.Size);
        }
        catch (Exception failure)
        {
            // The bytes never fully arrived: record why, keep nothing (the store left no partial object).
            // A body past its declared size was rejected; a server fault failed it; anything else (the client went away,
            // stalled or sent a broken body) interrupted it.
            var refusal = ServerApiErrors.Map(failure, context);
            var rejected = refusal.StatusCode == StatusCodes.Status413PayloadTooLarge;
            var interrupted = !rejected && refusal.StatusCode < 500;
            await catalog.TryUpdateUploadStatusAsync(
                uploadId,
                rejected ? UploadStatus.Rejected : UploadStatus.Failed,
                [UploadStatus.Processing],
                null,
                interrupted ? "UploadInterrupted" : refusal.Error,
                interrupted ? "The bytes stopped arriving before the upload was complete; nothing was kept." : refusal.Message,
                CancellationToken.None);
            throw;
        }

        var view = await uploads.RunWorkflowAsync(session, deleteToken: null, aborted);
        await WriteJsonAsync(context, StatusCodes.Status200OK, view, ApiJsonContext.Api.UploadView, location: null);
    }

    // Inflating would let a few kilobytes claim gigabytes of disk (a zip bomb); the bytes are stored as sent or not at all.
    internal static void RefuseEncodedBody(HttpRequest request) => FileUploader.Api.ApiErrors.RefuseEncodedBody(request.Headers.ContentEncoding.ToString());

    internal static void SetBodyLimit(HttpContext context, long limit)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }
    }

    internal static Task WriteJsonAsync<T>(HttpContext context, int statusCode, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, string? location)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        if (location is not null)
        {
            context.Response.Headers.Location = location;
        }

        return JsonSerializer.SerializeAsync(context.Response.Body, value, typeInfo, context.RequestAborted);
    }

    private static string MultipartBoundary(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, ApiErrorNames.BadRequest, "Send a multipart/form-data body with a 'file' field (curl -F file=@name).");
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        return string.IsNullOrWhiteSpace(boundary) || boundary.Length > 200
            ? throw ApiException.BadRequest("The multipart boundary is missing or too long.")
            : boundary;
    }

    // RFC 7578: the name comes raw (MultipartReader reads section headers as UTF-8); some clients use RFC 5987 filename*=.
    private static string FileNameOf(ContentDispositionHeaderValue disposition)
    {
        var star = disposition.FileNameStar.Value;
        return !string.IsNullOrEmpty(star) ? star : HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? string.Empty;
    }

    private static async Task<MultipartSection?> NextSectionAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken);
        }
        catch (IOException e) when (e is not BadHttpRequestException)
        {
            throw new BadHttpRequestException($"The form is incomplete or malformed: {e.Message}", StatusCodes.Status400BadRequest, e);
        }
    }

    private static async Task<string> ReadFieldAsync(MultipartSection section, string name, CancellationToken cancellationToken)
    {
        var buffer = new byte[FormFieldMaxBytes + 1];
        var total = 0;
        int read;
        var body = new ClientBodyStream(section.Body);
        while ((read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
            if (total > FormFieldMaxBytes)
            {
                throw ApiException.BadRequest($"The form field '{name}' is longer than {FormFieldMaxBytes} bytes.");
            }
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }
}
