using System.Collections.Concurrent;
using System.Net;
using System.Text;
using FileUploader.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FileUploader.Server.Tests;

/// <summary>
/// With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, the server exports its traces over OTLP: a loopback receiver
/// (OTLP/HTTP) gets spans that name the upload.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly string _data = TestServer.NewDataDirectory();
    private readonly ConcurrentQueue<byte[]> _exports = new();
    private WebApplication? _collector;
    private Uri? _collectorUrl;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        var port = TestServer.FreePort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        _collector = builder.Build();
        _collector.MapPost("/v1/traces", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _exports.Enqueue(body.ToArray());
            context.Response.ContentType = "application/x-protobuf";
        });
        await _collector.StartAsync();
        _collectorUrl = new Uri($"http://127.0.0.1:{port}");
    }

    public async Task DisposeAsync()
    {
        if (_collector is not null)
        {
            await _collector.StopAsync();
            await _collector.DisposeAsync();
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // temp folder
        }
    }

    [Fact]
    public async Task PostUpload_OtlpEndpointSet_ExportsSpansNamingTheUpload()
    {
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _collectorUrl!.AbsoluteUri.TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        };
        await using var server = await ChildServer.StartAsync(_data, environment);
        var form = new MultipartFormDataContent { { new ByteArrayContent("exported"u8.ToArray()), "file", "traced.txt" } };
        using var response = await server.Client.PostAsync("/upload", form);
        var uploadId = (await response.ReadObjectAsync()).Str("uploadId");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        // The batch exporter sends on its schedule (and flushes on shutdown); wait for the spans to arrive.
        var marker = Encoding.UTF8.GetBytes(uploadId);
        await Poll.UntilAsync(
            () => Task.FromResult(_exports.Any(export => export.AsSpan().IndexOf(marker) >= 0)),
            found => found,
            "an OTLP export that names the upload");
        var all = _exports.SelectMany(e => e).ToArray();
        Assert.True(all.AsSpan().IndexOf("step Validate"u8) >= 0, "the Validate step span was exported");
        Assert.True(all.AsSpan().IndexOf("fileuploader-server"u8) >= 0, "the service name is on the resource");
    }
}
