using System.Net;
using FileUploader.Server.Tests.Infrastructure;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Server.Tests;

/// <summary>
/// The data folder belongs to one running server: a second one is refused with a clear message, and because of that
/// a restarted server may remove every temporary file a killed one left behind, at once.
/// </summary>
public sealed class DataFolderTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    private string DataFolder => _folder.Path;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Start_SecondServerOnTheSameDataFolder_ExitsWithAClearMessage()
    {
        await using var first = await ChildServer.StartAsync(DataFolder);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ChildServer.StartAsync(DataFolder));

        Assert.Contains("is in use by another FileUploader server", refused.Message, StringComparison.Ordinal);
        Assert.Contains(DataFolder, refused.Message, StringComparison.Ordinal);
        // The first one is unharmed.
        using var health = await first.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Restart_AfterKillMidUpload_RemovesThePartialTemporaryFilesAtOnce()
    {
        StalledUpload pending;
        await using (var first = await ChildServer.StartAsync(DataFolder))
        {
            // The body stops half-way, so the put is mid-write in tmp/ when the process dies.
            pending = StalledUpload.Start(first.Client, bytes: 4_000_000, pauseAfter: 1_000_000);
            await Poll.UntilAsync(() => Task.FromResult(TemporaryEntries().Count), n => n > 0, "the put to create its temporary files");
            await first.KillAsync();
        }

        await pending.AbandonAsync();
        Assert.NotEmpty(TemporaryEntries());

        await using var second = await ChildServer.StartAsync(DataFolder);

        // Swept during start-up, not an hour later: by the time the server answers, nothing partial is left.
        Assert.Empty(TemporaryEntries());
    }

    private List<string> TemporaryEntries()
    {
        var folder = Path.Combine(DataFolder, "objects", "tmp");
        return Directory.Exists(folder) ? Directory.EnumerateFileSystemEntries(folder).ToList() : [];
    }

    /// <summary>A multipart upload whose body pauses after <c>pauseAfter</c> bytes and never resumes.</summary>
    private sealed class StalledUpload
    {
        private readonly Task _request;
        private readonly TaskCompletionSource _abandon = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private StalledUpload(HttpClient client, int bytes, int pauseAfter)
        {
            var form = new MultipartFormDataContent { { new PausingContent(bytes, pauseAfter, _abandon.Task), "file", "partial.bin" } };
            _request = client.PostAsync("/upload", form);
        }

        public static StalledUpload Start(HttpClient client, int bytes, int pauseAfter) => new(client, bytes, pauseAfter);

        public async Task AbandonAsync()
        {
            _abandon.TrySetResult();
            try
            {
                await _request;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                // The server died under the request: that is the point.
            }
        }

        private sealed class PausingContent(int length, int pauseAfter, Task abandon) : HttpContent
        {
            protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            {
                var bytes = UploadAndDownloadTests.RandomBytes(length);
                await stream.WriteAsync(bytes.AsMemory(0, pauseAfter));
                await stream.FlushAsync();
                await abandon;
                throw new IOException("The client gave up on this body.");
            }

            protected override bool TryComputeLength(out long computed)
            {
                computed = length;
                return true;
            }
        }
    }
}
