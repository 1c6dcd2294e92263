using FileUploader.Testing.Fixtures;
using Microsoft.Playwright;

namespace FileUploader.Web.Tests;

/// <summary>
/// One server process and one headless Chromium for all browser tests. Chromium is Debian's package, never a
/// browser download; the flags keep it from reaching for the network, which this machine does not have.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private IPlaywright? _playwright;
    private ServerProcess? _server;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("fu-web-data-").FullName;

    public IBrowser Browser { get; private set; } = null!;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>Screenshots kept as test artifacts: artifacts/screenshots/ at the repository root.</summary>
    public static string ScreenshotDirectory { get; } = Directory.CreateDirectory(Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots")).FullName;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(DataDirectory);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(DataDirectory, recursive: true);
    }

    public async Task<IPage> NewPageAsync(bool javaScript = true, int width = 1100)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseUrl.ToString(),
            JavaScriptEnabled = javaScript,
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
        });
        return await context.NewPageAsync();
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
