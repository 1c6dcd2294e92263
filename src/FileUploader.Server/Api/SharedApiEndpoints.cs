using FileUploader.Api;

namespace FileUploader.Server.Api;

/// <summary>
/// The shared handling (<see cref="FileApi"/>) on Kestrel: each route turns the request into an <see cref="ApiRequest"/>
/// and writes the <see cref="ApiResponse"/> back. Refusals travel on as exceptions to <see cref="ErrorHandlingMiddleware"/>,
/// like every other endpoint's. A counted download is streamed here, with ranges (<see cref="FileEndpoints"/>).
/// </summary>
internal static class SharedApiEndpoints
{
    public static void MapSharedApiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/uploads", HandleAsync);
        app.MapGet("/uploads/{uploadId}", HandleAsync);
        app.MapMethods("/files/{fileId}", ["GET", "HEAD"], HandleAsync);
        app.MapGet("/files/{fileId}/info", HandleAsync);
        app.MapDelete("/files/{fileId}", HandleAsync);
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var api = services.GetRequiredService<FileApi>();
        var options = services.GetRequiredService<ServerOptions>();
        var request = await ToApiRequestAsync(context, options.PublicBaseUrl);
        var response = await api.HandleAsync(request, context.RequestAborted);
        if (response.FileToServe is { } file)
        {
            await FileEndpoints.ServeAsync(context, file.ObjectKey, file.OriginalFileName, file, file.ExpiresAt);
            return;
        }

        await WriteAsync(context, response);
    }

    private static async Task<ApiRequest> ToApiRequestAsync(HttpContext context, Uri publicBaseUrl)
    {
        var http = context.Request;
        var body = ReadOnlyMemory<byte>.Empty;
        if (HttpMethods.IsPost(http.Method))
        {
            // Only POST /uploads has a body here, a small JSON one: Kestrel refuses more (413) while it arrives.
            UploadEndpoints.RefuseEncodedBody(http);
            UploadEndpoints.SetBodyLimit(context, ApiSettings.JsonBodyMaxBytes);
            using var buffer = new MemoryStream();
            await http.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in http.Headers)
        {
            headers[name] = values.ToString();
        }

        return new ApiRequest(http.Method.ToUpperInvariant(), http.Path.Value ?? "/", QueryParameters.Of(http), headers, body, publicBaseUrl);
    }

    private static async Task WriteAsync(HttpContext context, ApiResponse response)
    {
        var http = context.Response;
        http.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers)
        {
            if (name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                http.ContentLength = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                http.Headers[name] = value;
            }
        }

        if (!response.Body.IsEmpty)
        {
            await http.Body.WriteAsync(response.Body, context.RequestAborted);
        }
    }
}
