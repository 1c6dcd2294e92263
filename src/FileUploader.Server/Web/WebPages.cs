using FileUploader.Core.Ports;

namespace FileUploader.Server.Web;

/// <summary>
/// The pages people open: the upload page at <c>/</c>, the workflow view at <c>/console</c> (static files
/// under wwwroot, no CDN, so they work offline), and each file's QR code.
/// </summary>
internal static class WebPages
{
    public static WebApplication MapWebPages(this WebApplication app, Func<string, Uri> shareUrlFor)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapGet("/console", (IWebHostEnvironment environment) =>
            Results.File(environment.WebRootFileProvider.GetFileInfo("console.html").CreateReadStream(), "text/html; charset=utf-8"));

        // Only for files that exist and are still shareable: no open QR generator for arbitrary text.
        app.MapGet("/files/{fileId}/qr.svg", async (string fileId, IFileCatalog catalog, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var record = await catalog.GetFileAsync(fileId, cancellationToken);
            if (record is null || record.Status != Core.Domain.FileStatus.Available || record.ExpiresAt <= time.GetUtcNow())
            {
                return Results.Json(new { error = "NotFound", message = $"No file '{fileId}' to share." }, statusCode: StatusCodes.Status404NotFound);
            }

            return Results.Text(QrCodeSvg.Render(shareUrlFor(fileId).ToString()), "image/svg+xml");
        });
        return app;
    }
}
