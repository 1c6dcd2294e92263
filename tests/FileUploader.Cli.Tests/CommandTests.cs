using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Cli.Tests;

/// <summary>The real command against a real server, as a user or a script uses it.</summary>
[Collection(ServerCollection.Name)]
public sealed class CommandTests(ServerFixture fixture) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("fu-cli-");

    private CliRunner Cli => new(fixture.Server.BaseUrl, _work.FullName);

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Upload_TwoFiles_ShowsProgressThenLinkExpiryAndQrForEach()
    {
        var first = WriteFile("first.bin", 3 * 1024 * 1024);
        var second = WriteFile("second.txt", 10_000);

        var run = await Cli.RunAsync("upload", first, second);

        Assert.True(run.ExitCode == 0, run.ToString());
        // Redirected output gets plain progress lines on stderr, ending at 100% for each file.
        Assert.Contains("first.bin: 100% of 3.0 MiB", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("second.txt: 100%", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, CountOccurrences(run.Stdout, "  Link:    " + fixture.Server.BaseUrl + "files/"));
        Assert.Equal(2, CountOccurrences(run.Stdout, "  Expires: "));
        Assert.Contains("█", run.Stdout, StringComparison.Ordinal); // the QR code
    }

    [Fact]
    public async Task UploadJson_ThenDownloadById_BytesAndChecksumMatch()
    {
        var path = WriteFile("report.pdf.bin", 200_000);

        var upload = await Cli.RunAsync("upload", "--json", path);

        Assert.True(upload.ExitCode == 0, upload.ToString());
        var result = JsonDocument.Parse(upload.Stdout).RootElement[0];
        var fileId = result.GetProperty("fileId").GetString()!;
        Assert.Equal(Sha256Of(path), result.GetProperty("sha256").GetString());
        Assert.StartsWith(fixture.Server.BaseUrl + "files/", result.GetProperty("shareUrl").GetString(), StringComparison.Ordinal);
        Assert.True(result.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));

        var target = Path.Combine(_work.FullName, "downloaded.bin");
        var download = await Cli.RunAsync("download", fileId, "-o", target);

        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Contains("verified", download.Stdout, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(target));
    }

    [Fact]
    public async Task DownloadByShareUrl_CountsTheDownload_InfoShowsIt()
    {
        var path = WriteFile("count.bin", 5000);
        var fileId = await UploadAsync(path);

        var download = await Cli.RunAsync("download", $"{fixture.Server.BaseUrl}files/{fileId}", "-o", _work.FullName + "/copy.bin");
        var info = await Cli.RunAsync("info", "--json", fileId);

        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Equal(1, JsonDocument.Parse(info.Stdout).RootElement.GetProperty("downloadCount").GetInt64());
    }

    [Fact]
    public async Task Revoke_WithRememberedToken_LinkThenRefusedWithOneLineError()
    {
        var fileId = await UploadAsync(WriteFile("secret.bin", 4096));

        var revoke = await Cli.RunAsync("revoke", fileId);
        var download = await Cli.RunAsync("download", fileId, "-o", _work.FullName + "/gone.bin");

        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.Equal(5, download.ExitCode);
        Assert.Single(download.ErrorLines);
        Assert.StartsWith("error: ", download.ErrorLines[0], StringComparison.Ordinal);
        Assert.False(File.Exists(_work.FullName + "/gone.bin"));
    }

    [Fact]
    public async Task Upload_MissingFile_OneLineErrorExitCode3AndNothingUploaded()
    {
        var existing = WriteFile("exists.bin", 100);
        var before = CountStoredFiles();

        var run = await Cli.RunAsync("upload", existing, Path.Combine(_work.FullName, "missing.bin"));

        Assert.Equal(3, run.ExitCode);
        Assert.Equal([$"error: No such file: {Path.Combine(_work.FullName, "missing.bin")}"], run.ErrorLines);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, CountStoredFiles());
    }

    [Fact]
    public async Task Upload_ServerUnreachable_OneLineErrorExitCode4()
    {
        var unreachable = new CliRunner(new Uri($"http://127.0.0.1:{ServerProcess.FreePort()}/"), _work.FullName);

        var run = await unreachable.RunAsync("upload", WriteFile("a.bin", 10));

        Assert.Equal(4, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains("Cannot reach the server", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_ExpiredLink_OneLineErrorExitCode5()
    {
        var fileId = await UploadAsync(WriteFile("short.bin", 1000), "--expires", "1s");
        using var http = new HttpClient();
        await WaitUntilAsync(async () =>
            (await http.GetAsync(new Uri(fixture.Server.BaseUrl, $"files/{fileId}/info"))).StatusCode is HttpStatusCode.Gone or HttpStatusCode.NotFound);

        var run = await Cli.RunAsync("download", fileId, "-o", _work.FullName + "/late.bin");

        Assert.Equal(5, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.False(File.Exists(_work.FullName + "/late.bin"));
    }

    [Fact]
    public async Task Info_UnknownId_OneLineErrorExitCode5()
    {
        var run = await Cli.RunAsync("info", "doesnotexist123");

        Assert.Equal(5, run.ExitCode);
        Assert.Single(run.ErrorLines);
    }

    [Theory]
    [InlineData("upload", "x.bin", "--expires", "soon")]
    [InlineData("info", "../../etc/passwd")]
    [InlineData("revoke", "abc")] // no token remembered for it and none given
    public async Task UserMistake_OneLineErrorExitCode2(params string[] arguments)
    {
        WriteFile("x.bin", 10);

        var run = await Cli.RunAsync(arguments);

        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", run.ErrorLines[0], StringComparison.Ordinal);
    }

    private async Task<string> UploadAsync(string path, params string[] options)
    {
        var run = await Cli.RunAsync(["upload", "--json", .. options, path]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.Stdout).RootElement[0].GetProperty("fileId").GetString()!;
    }

    private string WriteFile(string name, int size)
    {
        var path = Path.Combine(_work.FullName, name);
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private int CountStoredFiles() =>
        Directory.Exists(fixture.DataDirectory)
            ? Directory.EnumerateFiles(fixture.DataDirectory, "*", SearchOption.AllDirectories).Count(f => f.Contains($"{Path.DirectorySeparatorChar}files{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            : 0;

    private static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var index = text.IndexOf(value, StringComparison.Ordinal); index >= 0; index = text.IndexOf(value, index + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not become true within 30 s.");
            await Task.Delay(200);
        }
    }
}
