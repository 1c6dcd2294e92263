using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FileUploader.Web.Tests;

/// <summary>The upload page as a person uses it, in real headless Chromium against the real server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class UploadPageTests(BrowserFixture fixture) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("fu-web-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task UploadTwoFiles_ByPickerAndByDrop_ProgressThenLinkCountChangesAfterDownload()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/");
        await RecordProgressTextAsync(page);

        // One file by the picker (8 MB, so the browser reports progress on the way)…
        var picked = WriteFile("picked.bin", 8 * 1024 * 1024);
        await page.SetInputFilesAsync("#file-input", picked);
        // …and one dropped onto the drop zone, as a drag from the desktop delivers it.
        var dataTransfer = await page.EvaluateHandleAsync("""
            () => {
              const transfer = new DataTransfer();
              transfer.items.add(new File(['hello from a drop\n'.repeat(1000)], 'dropped.txt', { type: 'text/plain' }));
              return transfer;
            }
            """);
        await page.DispatchEventAsync("#drop-zone", "drop", new { dataTransfer });

        var items = page.Locator(".upload.done");
        await Expect(items).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        var progressSeen = await page.EvaluateAsync<string[]>("() => window.__progress");
        Assert.Contains(progressSeen, text => System.Text.RegularExpressions.Regex.IsMatch(text, @"^\d+% · .+/s · .+ left$"));
        await Expect(page.Locator(".upload.done .name")).ToContainTextAsync(["dropped.txt", "picked.bin"]);
        await Expect(page.Locator(".upload.done .countdown").First).ToContainTextAsync("in ");
        await Expect(page.Locator(".upload.done img.qr").First).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("/files/.+/qr.svg"));
        await BrowserFixture.ScreenshotAsync(page, "upload-two-files");

        // Open the share link as the recipient would: a real browser download of the right bytes.
        var pickedItem = page.Locator(".upload.done", new() { HasText = "picked.bin" });
        var shareUrl = await pickedItem.Locator(".share-link").InputValueAsync();
        var recipient = await fixture.NewPageAsync();
        await recipient.GotoAsync("/healthz");
        var download = await recipient.RunAndWaitForDownloadAsync(() => recipient.EvaluateAsync(
            "url => { const a = document.createElement('a'); a.href = url; document.body.append(a); a.click(); }", shareUrl));
        var saved = Path.Combine(_work.FullName, "received.bin");
        await download.SaveAsAsync(saved);
        Assert.Equal(File.ReadAllBytes(picked), File.ReadAllBytes(saved));
        Assert.Equal("picked.bin", download.SuggestedFilename);

        // The uploader's page shows the count change without a reload.
        await Expect(pickedItem.Locator(".count")).ToHaveTextAsync("1", new() { Timeout = 15_000 });
        await BrowserFixture.ScreenshotAsync(page, "upload-count-changed");
    }

    [Fact]
    public async Task Cancel_MidUpload_StopsTheTransferShowsCancelledAndStoresNothing()
    {
        var page = await fixture.NewPageAsync();
        // Throttle the page's uploads (Chromium's own network emulation) so there is time to press Cancel.
        var devTools = await page.Context.NewCDPSessionAsync(page);
        await devTools.SendAsync("Network.enable");
        await devTools.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false,
            ["latency"] = 0,
            ["downloadThroughput"] = -1,
            ["uploadThroughput"] = 256 * 1024,
        });
        await page.GotoAsync("/");
        var filesBefore = StoredFileCount();

        await page.SetInputFilesAsync("#file-input", WriteFile("too-slow.bin", 8 * 1024 * 1024));
        var item = page.Locator(".upload", new() { HasText = "too-slow.bin" });
        await Expect(item.Locator(".progress-text")).ToContainTextAsync("left", new() { Timeout = 15_000 });
        await item.Locator(".cancel").ClickAsync();

        await Expect(item.Locator(".error")).ToHaveTextAsync("Cancelled.");
        await Expect(item.Locator(".result")).ToBeHiddenAsync();
        Assert.Equal(filesBefore, StoredFileCount());
        await BrowserFixture.ScreenshotAsync(page, "cancelled");
    }

    private int StoredFileCount() =>
        Directory.EnumerateFiles(fixture.DataDirectory, "*", SearchOption.AllDirectories)
            .Count(path => path.Contains($"{Path.DirectorySeparatorChar}objects{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}tmp{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [Fact]
    public async Task Revoke_AfterConfirm_LinkRefusedAndPageSaysRevoked()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/");
        await page.SetInputFilesAsync("#file-input", WriteFile("to-revoke.txt", 5000));
        var item = page.Locator(".upload.done", new() { HasText = "to-revoke.txt" });
        await Expect(item).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var shareUrl = await item.Locator(".share-link").InputValueAsync();

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await item.Locator(".revoke").ClickAsync();

        await Expect(item.Locator(".countdown")).ToHaveTextAsync("Revoked");
        using var http = new HttpClient();
        var status = (await http.GetAsync(shareUrl)).StatusCode;
        Assert.True(status is HttpStatusCode.Gone or HttpStatusCode.NotFound, $"the revoked link answered {status}");
        await BrowserFixture.ScreenshotAsync(page, "revoked");
    }

    [Fact]
    public async Task ExpiredFile_PageSaysExpiredAndLinkRefusedWithMessage()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/");
        // The page offers 10 minutes and up; a test cannot wait that long, so it picks a 2-second lifetime
        // the way a crafted form would. The server accepts any lifetime up to its maximum.
        await page.EvaluateAsync("() => { const s = document.getElementById('expires-in'); s.add(new Option('2 seconds', '2')); s.value = '2'; }");
        await page.SetInputFilesAsync("#file-input", WriteFile("short-lived.txt", 3000));
        var item = page.Locator(".upload.done", new() { HasText = "short-lived.txt" });
        await Expect(item).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var shareUrl = await item.Locator(".share-link").InputValueAsync();

        await Expect(item.Locator(".countdown")).ToHaveTextAsync("Expired", new() { Timeout = 15_000 });
        var answer = await page.EvaluateAsync<JsonElement>(
            "async url => { const r = await fetch(url); return { status: r.status, body: await r.json() }; }", shareUrl);
        Assert.Equal(410, answer.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("body").GetProperty("message").GetString()));
        await BrowserFixture.ScreenshotAsync(page, "expired");
    }

    [Fact]
    public async Task RejectedUpload_ShowsTheServersMessageInPlainWords()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/");
        await page.SetInputFilesAsync("#file-input", WriteFile("empty.txt", 0));

        var error = page.Locator(".upload.failed .error");
        await Expect(error).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var text = await error.TextContentAsync();
        Assert.False(string.IsNullOrWhiteSpace(text));
        Assert.DoesNotContain("{", text, StringComparison.Ordinal); // words, not a JSON dump
        await BrowserFixture.ScreenshotAsync(page, "rejected");
    }

    [Fact]
    public async Task FormPost_WithoutJavaScript_UploadsAndShowsTheLink()
    {
        var page = await fixture.NewPageAsync(javaScript: false);
        await page.GotoAsync("/");
        await page.SetInputFilesAsync("#file-input", WriteFile("no-js.txt", 2048));

        await page.ClickAsync("#submit-button");

        await Expect(page.Locator("h2")).ToHaveTextAsync("Your link is ready");
        var link = await page.Locator("#link").InputValueAsync();
        Assert.StartsWith(fixture.Server.BaseUrl + "files/", link, StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "no-javascript");
    }

    [Fact]
    public async Task PhoneWidth_KeyboardOnly_CanReachThePickerAndOptions()
    {
        var page = await fixture.NewPageAsync(width: 375);
        await page.GotoAsync("/");

        var focused = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            focused.Add(await page.EvaluateAsync<string>("() => document.activeElement.id || document.activeElement.tagName"));
        }

        Assert.Contains("file-input", focused);
        Assert.Contains("expires-in", focused);
        Assert.Contains("max-downloads", focused);
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth");
        Assert.False(overflow, "the page scrolls sideways at phone width");
        await BrowserFixture.ScreenshotAsync(page, "phone-width");
    }

    private static Task RecordProgressTextAsync(IPage page) => page.EvaluateAsync("""
        () => {
          window.__progress = [];
          new MutationObserver(records => records.forEach(r => {
            const text = r.target.nodeType === 3 ? r.target.parentElement : r.target;
            if (text && text.classList && text.classList.contains('progress-text')) window.__progress.push(text.textContent);
          })).observe(document.getElementById('uploads'), { subtree: true, childList: true, characterData: true });
        }
        """);

    private string WriteFile(string name, int size)
    {
        var path = Path.Combine(_work.FullName, name);
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
