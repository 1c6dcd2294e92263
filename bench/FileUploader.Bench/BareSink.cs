using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FileUploader.Bench;

/// <summary>
/// The baseline for upload throughput: ASP.NET Core doing nothing but streaming the request body to a file and
/// flushing it to disk (as the server's store does), then answering 201. No parsing, hashing, catalog or workflow.
/// </summary>
internal static class BareSink
{
    public static async Task<int> RunAsync(string urls, string directory)
    {
        Directory.CreateDirectory(directory);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/upload", async context =>
        {
            var path = Path.Combine(directory, Guid.NewGuid().ToString("N"));
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                await context.Request.Body.CopyToAsync(file, 128 * 1024, context.RequestAborted);
                file.Flush(flushToDisk: true);
            }

            File.Delete(path);
            context.Response.StatusCode = StatusCodes.Status201Created;
        });
        app.MapGet("/healthz", () => "ok");
        await app.RunAsync();
        return 0;
    }
}
