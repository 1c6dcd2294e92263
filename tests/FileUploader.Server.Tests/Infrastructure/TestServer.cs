using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Server.Tests.Infrastructure;

/// <summary>
/// The real server, in this process, on a real loopback socket, over its own temporary data folder.
/// <c>configure</c> swaps the clock or wraps a port with a fault, exactly where production wires the real ones.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, ServerOptions options)
    {
        _app = app;
        Options = options;
        BaseUrl = options.PublicBaseUrl;
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = BaseUrl,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public ServerOptions Options { get; }

    public Uri BaseUrl { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public string DataDirectory => Options.DataDirectory;

    public IFileCatalog Catalog => Services.GetRequiredService<IFileCatalog>();

    public IObjectStore Store => Services.GetRequiredService<IObjectStore>();

    public static async Task<TestServer> StartAsync(
        Func<ServerOptions, ServerOptions>? adjust = null,
        Action<IServiceCollection>? configure = null,
        string? dataDirectory = null)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var options = ServerOptions.Parse(["--urls", url, "--data", dataDirectory ?? NewDataDirectory()]);
        options = adjust?.Invoke(options) ?? options;
        var app = ServerApp.Build(options, configure);
        try
        {
            await ServerApp.StartAsync(app, CancellationToken.None);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new TestServer(app, options);
    }

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "fu-server-tests", Guid.NewGuid().ToString("N"));

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><c>curl -F file=@name -F expiresIn=… -F maxDownloads=…</c>.</summary>
    public Task<HttpResponseMessage> PostUploadAsync(byte[] bytes, string fileName = "hello.txt", string contentType = "text/plain", params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        form.Add(file, "file", fileName);
        return Client.PostAsync("/upload", form);
    }

    /// <summary>Uploads and insists on 201; returns the answer's JSON.</summary>
    public async Task<JsonObject> UploadAsync(byte[] bytes, string fileName = "hello.txt", string contentType = "text/plain", params (string Name, string Value)[] fields)
    {
        using var response = await PostUploadAsync(bytes, fileName, contentType, fields);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"expected 201, got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>Every object key in the store, and every file the store has on disk (temporary ones included).</summary>
    public async Task<StorageSnapshot> SnapshotAsync()
    {
        var keys = new List<string>();
        await foreach (var key in Store.ListKeysAsync(string.Empty, CancellationToken.None))
        {
            keys.Add(key);
        }

        var objectsRoot = Path.Combine(DataDirectory, "objects");
        var files = Directory.Exists(objectsRoot)
            ? Directory.EnumerateFiles(objectsRoot, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(objectsRoot, f)).ToList()
            : [];
        keys.Sort(StringComparer.Ordinal);
        files.Sort(StringComparer.Ordinal);
        return new StorageSnapshot(keys, files);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still closing; the temp folder is cleaned by the OS eventually.
        }
    }
}

internal sealed record StorageSnapshot(IReadOnlyList<string> Keys, IReadOnlyList<string> Files)
{
    public bool SameAs(StorageSnapshot other) => Keys.SequenceEqual(other.Keys) && Files.SequenceEqual(other.Files);

    public override string ToString() => $"keys: [{string.Join(", ", Keys)}]; files: [{string.Join(", ", Files)}]";
}

internal static class Json
{
    public static async Task<JsonObject> ReadObjectAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonNode.Parse(text)!.AsObject();
        }
        catch (JsonException)
        {
            Assert.Fail($"expected a JSON object, got {(int)response.StatusCode}: {text}");
            throw;
        }
    }

    /// <summary>Asserts the answer is the API's refusal shape with this status, and returns the error name.</summary>
    public static async Task<string> AssertRefusalAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType ?? string.Empty);
        var json = JsonNode.Parse(body)!.AsObject();
        var error = json["error"]?.GetValue<string>();
        var message = json["message"]?.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(error), body);
        Assert.False(string.IsNullOrWhiteSpace(message), body);
        return error!;
    }

    public static string Str(this JsonObject json, string name) =>
        json[name]?.GetValue<string>() ?? throw new Xunit.Sdk.XunitException($"'{name}' missing in {json.ToJsonString()}");
}

/// <summary>Wraps the real catalog; a test decides which calls fail.</summary>
internal sealed class FaultyCatalog(IFileCatalog inner) : IFileCatalog
{
    public Func<FileRecord, Exception?> OnPutFile { get; set; } = _ => null;

    public Task<bool> TryCreateUploadAsync(UploadSession session, CancellationToken cancellationToken) => inner.TryCreateUploadAsync(session, cancellationToken);

    public Task<UploadSession?> GetUploadAsync(string uploadId, CancellationToken cancellationToken) => inner.GetUploadAsync(uploadId, cancellationToken);

    public Task<bool> TryUpdateUploadStatusAsync(string uploadId, UploadStatus status, IReadOnlyCollection<UploadStatus> expectedStatuses, string? fileId, string? error, string? message, CancellationToken cancellationToken) =>
        inner.TryUpdateUploadStatusAsync(uploadId, status, expectedStatuses, fileId, error, message, cancellationToken);

    public Task PutFileAsync(FileRecord record, CancellationToken cancellationToken) =>
        OnPutFile(record) is { } fault ? Task.FromException(fault) : inner.PutFileAsync(record, cancellationToken);

    public Task<FileRecord?> GetFileAsync(string fileId, CancellationToken cancellationToken) => inner.GetFileAsync(fileId, cancellationToken);

    public Task<DownloadClaim> TryCountDownloadAsync(string fileId, DateTimeOffset now, CancellationToken cancellationToken) => inner.TryCountDownloadAsync(fileId, now, cancellationToken);

    public Task<bool> TrySetFileStatusAsync(string fileId, FileStatus status, CancellationToken cancellationToken) => inner.TrySetFileStatusAsync(fileId, status, cancellationToken);

    public Task<bool> DeleteFileAsync(string fileId, CancellationToken cancellationToken) => inner.DeleteFileAsync(fileId, cancellationToken);
}

/// <summary>Wraps the real object store; a put to a chosen prefix reads some bytes then fails as a full disk does.</summary>
internal sealed class DiskFullStore(IObjectStore inner) : IObjectStore
{
    public bool Full { get; set; }

    public async Task<StoredObject> PutAsync(string key, Stream content, long maxBytes, string contentType, CancellationToken cancellationToken)
    {
        if (!Full)
        {
            return await inner.PutAsync(key, content, maxBytes, contentType, cancellationToken);
        }

        var buffer = new byte[4096];
        _ = await content.ReadAsync(buffer, cancellationToken);
        throw new StepFailedException(ErrorNames.InsufficientStorage, "No space left on device.");
    }

    public Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken) => inner.HeadAsync(key, cancellationToken);

    public Task<Stream?> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken) => inner.OpenReadAsync(key, offset, length, cancellationToken);

    public Task<StoredObject> PromoteAsync(string sourceKey, string destinationKey, string expectedSha256, CancellationToken cancellationToken) =>
        inner.PromoteAsync(sourceKey, destinationKey, expectedSha256, cancellationToken);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken) => inner.ListKeysAsync(prefix, cancellationToken);
}

internal static class ServiceCollectionDecorations
{
    /// <summary>Replaces the registered <typeparamref name="TService"/> with a wrapper around it.</summary>
    public static IServiceCollection Decorate<TService>(this IServiceCollection services, Func<TService, IServiceProvider, TService> wrap)
        where TService : class
    {
        var descriptor = services.Last(d => d.ServiceType == typeof(TService));
        services.Remove(descriptor);
        services.AddSingleton(sp => wrap((TService)(descriptor.ImplementationFactory?.Invoke(sp) ?? descriptor.ImplementationInstance ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!)), sp));
        return services;
    }
}
