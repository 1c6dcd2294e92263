using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FileUploader.Server.Tests.Infrastructure;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Server.Tests;

/// <summary>
/// The built server as a child process, killed with SIGKILL while uploads and workflows are in flight, then
/// restarted on the same data folder: nothing answered 201 is lost, nothing is left half-done, expiry still happens.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    private string DataFolder => _folder.Path;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task KillDuringUploads_Restart_EveryAcknowledgedUploadSurvivesAndNothingIsHalfDone()
    {
        var acknowledged = new ConcurrentBag<(JsonObject Answer, byte[] Bytes)>();
        var announced = new ConcurrentBag<string>();
        JsonObject expiring;
        await using (var first = await ChildServer.StartAsync(DataFolder))
        {
            // Expires while the server is down: the resumed expiry workflow must still delete it.
            expiring = await UploadAsync(first.Client, UploadAndDownloadTests.RandomBytes(5000), ("expiresIn", "2"));

            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                var round = 0;
                while (!stop.IsCancellationRequested)
                {
                    var bytes = UploadAndDownloadTests.RandomBytes(Random.Shared.Next(1_000, 400_000));
                    try
                    {
                        if ((worker + round++) % 2 == 0)
                        {
                            acknowledged.Add((await UploadAsync(first.Client, bytes), bytes));
                        }
                        else
                        {
                            await TwoStepAsync(first.Client, bytes, announced);
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                    {
                        return; // the server died under us
                    }
                }
            })).ToList();

            await Poll.UntilAsync(() => Task.FromResult(acknowledged.Count), n => n >= 24, "a few uploads to be acknowledged");
            await first.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        await using var second = await ChildServer.StartAsync(DataFolder);

        // Every 201 is still there, byte for byte, on both links.
        foreach (var (answer, bytes) in acknowledged)
        {
            Assert.Equal(bytes, await second.Client.GetByteArrayAsync(second.OnThisServer(answer.Str("shareUrl"))));
            Assert.Equal(bytes, await second.Client.GetByteArrayAsync(second.OnThisServer(answer.Str("downloadUrl"))));
        }

        // Every upload that got its bytes going ends available or compensated; none stays "processing".
        foreach (var uploadId in announced)
        {
            var status = await Poll.UntilAsync(
                async () => (await (await second.Client.GetAsync($"/uploads/{uploadId}")).ReadObjectAsync()).Str("status"),
                s => s != "processing",
                $"upload {uploadId} to settle");
            Assert.Contains(status, new[] { "available", "failed", "rejected", "pending" });
        }

        // No orphan bytes: nothing staged, nothing half-written, every promoted object has its record.
        var keys = await Poll.UntilAsync(
            () => Task.FromResult(ObjectKeysOnDisk()),
            k => !k.Any(key => key.StartsWith("staging/", StringComparison.Ordinal)),
            "staged objects to be swept");
        foreach (var key in keys.Where(k => k.StartsWith("files/", StringComparison.Ordinal)))
        {
            // 200, or 410 for the one that expired while the server was down (its record says so until its bytes go).
            using var info = await second.Client.GetAsync($"/files/{key["files/".Length..]}/info");
            Assert.True(info.StatusCode is HttpStatusCode.OK or HttpStatusCode.Gone, $"{key} has no record ({(int)info.StatusCode})");
        }

        // Expiry still happens: its time passed while the server was down.
        var expiredId = expiring.Str("fileId");
        await Poll.UntilAsync(
            () => Task.FromResult(ObjectKeysOnDisk().Contains($"files/{expiredId}")),
            present => !present,
            "the expired file's bytes to be deleted");
        using var gone = await second.Client.GetAsync(second.OnThisServer(expiring.Str("shareUrl")));
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
    }

    [Fact]
    public async Task Sigterm_DuringAnUpload_FinishesItAndExitsCleanly()
    {
        await using var server = await ChildServer.StartAsync(DataFolder);
        var bytes = UploadAndDownloadTests.RandomBytes(3_000_000);
        var gate = new GatedContent(bytes, releaseAfter: 1_000_000);
        var form = new MultipartFormDataContent { { gate, "file", "inflight.bin" } };
        var upload = server.Client.PostAsync("/upload", form);

        await gate.Paused.WaitAsync(TimeSpan.FromSeconds(30));
        server.Terminate();
        gate.Release();
        using var response = await upload;
        var answer = await response.ReadObjectAsync();
        await server.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(bytes.Length, answer["size"]!.GetValue<long>());
        Assert.Equal(0, server.ExitCode);
        await using var again = await ChildServer.StartAsync(DataFolder);
        Assert.Equal(bytes, await again.Client.GetByteArrayAsync(again.OnThisServer(answer.Str("shareUrl"))));
    }

    private List<string> ObjectKeysOnDisk()
    {
        // The store's own listing, so this follows its on-disk layout (one file per object, or a folder from an earlier
        // version). A second store on the folder of the live child server is allowed: without the data-folder lock it
        // leaves the server's temporary files alone, and it only reads here.
        var root = Path.Combine(DataFolder, "objects");
        if (!Directory.Exists(Path.Combine(root, "objects")))
        {
            return [];
        }

        var store = new FileUploader.Storage.Local.FolderObjectStore(root);
        return store.ListKeysAsync(string.Empty, CancellationToken.None).ToBlockingEnumerable().ToList();
    }

    private List<string> TemporaryFiles()
    {
        var folder = Path.Combine(DataFolder, "objects", "tmp");
        return Directory.Exists(folder) ? Directory.EnumerateFileSystemEntries(folder).ToList() : [];
    }

    private static async Task<JsonObject> UploadAsync(HttpClient client, byte[] bytes, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "load.bin");
        using var response = await client.PostAsync("/upload", form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadObjectAsync();
    }

    private static async Task TwoStepAsync(HttpClient client, byte[] bytes, ConcurrentBag<string> announced)
    {
        using var init = await client.PostAsJsonAsync("/uploads", new { fileName = "two-step.bin", size = bytes.Length, contentType = "application/octet-stream" });
        var started = await init.ReadObjectAsync();
        announced.Add(started.Str("uploadId"));
        using var put = await client.PutAsync(started.Str("uploadUrl"), new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    /// <summary>Sends the first part of a body, pauses until released, then sends the rest.</summary>
    private sealed class GatedContent(byte[] bytes, int releaseAfter) : HttpContent
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Paused => _paused.Task;

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, releaseAfter));
            await stream.FlushAsync();
            _paused.TrySetResult();
            await _release.Task;
            await stream.WriteAsync(bytes.AsMemory(releaseAfter));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
