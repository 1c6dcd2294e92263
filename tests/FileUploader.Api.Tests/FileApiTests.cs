using System.Globalization;
using System.Text;
using System.Web;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Storage.Local;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.Api.Tests;

/// <summary>
/// The shared handling on the embedded storage (SQLite catalog, HMAC signer) with a fake clock: the routing and the
/// two ways a counted download ends, a redirect (the API Lambda) or the host serving the bytes (the local server).
/// </summary>
public sealed class FileApiTests : IDisposable
{
    private static readonly Uri BaseUrl = new("https://files.example.test");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly string _data = Path.Combine(Path.GetTempPath(), "fu-api-tests", Guid.NewGuid().ToString("N"));
    private readonly ServiceProvider _services;

    public FileApiTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLocalStorage(_data, BaseUrl);
        _services = services.BuildServiceProvider();
    }

    private IFileCatalog Catalog => _services.GetRequiredService<IFileCatalog>();

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task GetSharedFile_RedirectMode_CountsAndRedirectsToALinkValidForTheRedirectLifetime()
    {
        var api = Create(redirect: true);
        await RecordAsync("fileA", _time.GetUtcNow().AddHours(1));

        var response = await api.HandleAsync(Request("GET", "/files/fileA"), CancellationToken.None);

        Assert.Equal(302, response.StatusCode);
        Assert.Null(response.FileToServe);
        Assert.Equal(_time.GetUtcNow().AddSeconds(60).ToUnixTimeSeconds(), LinkExpiry(response));
        Assert.Equal(1, (await Catalog.GetFileAsync("fileA", CancellationToken.None))!.DownloadCount);
    }

    [Fact]
    public async Task GetSharedFile_RedirectModeNearExpiry_LinkEndsWithTheFile()
    {
        var api = Create(redirect: true);
        var expiresAt = _time.GetUtcNow().AddSeconds(20);
        await RecordAsync("fileB", expiresAt);

        var response = await api.HandleAsync(Request("GET", "/files/fileB"), CancellationToken.None);

        Assert.Equal(302, response.StatusCode);
        Assert.Equal(expiresAt.ToUnixTimeSeconds(), LinkExpiry(response));
    }

    [Fact]
    public async Task GetSharedFile_RedirectModeAtTheLastSecond_AnswersLinkExpired()
    {
        var api = Create(redirect: true);
        await RecordAsync("fileC", _time.GetUtcNow().AddSeconds(1));

        var refusal = await Assert.ThrowsAsync<ApiException>(() => api.HandleAsync(Request("GET", "/files/fileC"), CancellationToken.None));

        Assert.Equal(410, refusal.StatusCode);
        Assert.Equal(ApiErrorNames.LinkExpired, refusal.Error);
    }

    [Fact]
    public async Task GetSharedFile_ServeMode_HandsTheCountedRecordToTheHost()
    {
        var api = Create(redirect: false);
        await RecordAsync("fileD", _time.GetUtcNow().AddHours(1));

        var response = await api.HandleAsync(Request("GET", "/files/fileD/"), CancellationToken.None);

        Assert.Equal("fileD", response.FileToServe?.Id);
        Assert.Equal(1, response.FileToServe!.DownloadCount);
    }

    [Fact]
    public async Task HeadSharedFile_AnyMode_AnswersNameAndSizeWithoutCounting()
    {
        var api = Create(redirect: true);
        await RecordAsync("fileE", _time.GetUtcNow().AddHours(1));

        var response = await api.HandleAsync(Request("HEAD", "/files/fileE"), CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        Assert.True(response.Body.IsEmpty);
        Assert.Equal("42", response.Headers["Content-Length"]);
        Assert.Equal("attachment; filename=\"report.txt\"; filename*=UTF-8''report.txt", response.Headers["Content-Disposition"]);
        Assert.Equal(0, (await Catalog.GetFileAsync("fileE", CancellationToken.None))!.DownloadCount);
    }

    [Theory]
    [InlineData("GET", "/", 404)]
    [InlineData("GET", "/files", 404)]
    [InlineData("GET", "/files/a/b/c", 404)]
    [InlineData("GET", "/download/files/x", 404)]
    [InlineData("GET", "/uploads", 405)]
    [InlineData("PATCH", "/files/x", 405)]
    [InlineData("DELETE", "/files/x/info", 405)]
    [InlineData("GET", "/files/..%2Fx", 404)]
    [InlineData("GET", "/uploads/a%00b", 404)]
    public async Task HandleAsync_UnknownRouteOrMethod_RefusesWithTheRightStatus(string method, string path, int status)
    {
        var refusal = await Assert.ThrowsAsync<ApiException>(() => Create(redirect: true).HandleAsync(Request(method, path), CancellationToken.None));

        Assert.Equal(status, refusal.StatusCode);
    }

    [Fact]
    public async Task PostUploads_ValidDescription_CreatesAPendingSessionWithAStatusUrlOnTheBaseUrl()
    {
        var api = Create(redirect: true);
        var body = Encoding.UTF8.GetBytes("""{"fileName":"notes.txt","size":12,"expiresIn":120}""");

        var response = await api.HandleAsync(Request("POST", "/uploads", body, ("Content-Type", "application/json")), CancellationToken.None);

        Assert.Equal(201, response.StatusCode);
        var answer = System.Text.Json.JsonSerializer.Deserialize(response.Body.Span, ApiJsonContext.Api.UploadInitiated)!;
        Assert.Equal($"https://files.example.test/uploads/{answer.UploadId}", answer.StatusUrl);
        Assert.Equal(answer.StatusUrl, response.Headers["Location"]);
        var session = await Catalog.GetUploadAsync(answer.UploadId, CancellationToken.None);
        Assert.Equal(UploadStatus.Pending, session!.Status);
        Assert.Equal(TimeSpan.FromSeconds(120), session.LinkLifetime);
        Assert.Equal(Identifiers.HashToken(answer.DeleteToken), session.DeleteTokenHash);
    }

    private FileApi Create(bool redirect)
    {
        var settings = new ApiSettings(TimeSpan.FromHours(1), TimeSpan.FromDays(7), 1024 * 1024, TimeSpan.FromMinutes(15))
        {
            EventBridgeStartsUploads = true,
            RedirectDownloads = redirect,
        };
        var catalog = Catalog;
        var store = _services.GetRequiredService<IObjectStore>();
        var signer = _services.GetRequiredService<ILinkSigner>();
        var loggers = _services.GetRequiredService<ILoggerFactory>();
        return new FileApi(
            catalog,
            store,
            signer,
            new UploadSessions(catalog, signer, settings, _time),
            new SessionReconciler(catalog, store, settings, loggers.CreateLogger<SessionReconciler>()),
            new UnusedExpiryWorkflow(),
            settings,
            _time,
            loggers.CreateLogger<FileApi>());
    }

    private Task RecordAsync(string fileId, DateTimeOffset expiresAt) => Catalog.PutFileAsync(
        new FileRecord(fileId, "upload-" + fileId, "report.txt", _time.GetUtcNow(), expiresAt, StorageKeys.File(fileId), 0, 42, "text/plain", new string('a', 64), FileStatus.Available, "exec-1", new string('0', 64), null),
        CancellationToken.None);

    private static ApiRequest Request(string method, string path, byte[]? body = null, params (string Name, string Value)[] headers) =>
        new(method, path, new Dictionary<string, string?>(), headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase), body ?? [], BaseUrl);

    /// <summary>The HMAC link's <c>expires</c> parameter (epoch seconds).</summary>
    private static long LinkExpiry(ApiResponse response) =>
        long.Parse(HttpUtility.ParseQueryString(new Uri(response.Headers["Location"]).Query)["expires"]!, CultureInfo.InvariantCulture);

    /// <summary>These tests never revoke; the real ports are the engine's and Step Functions', tested with their hosts.</summary>
    private sealed class UnusedExpiryWorkflow : IExpiryWorkflow
    {
        public Task StopAsync(string fileId, string error, string cause, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Revocation is tested through the server and the Lambda host.");
    }
}
