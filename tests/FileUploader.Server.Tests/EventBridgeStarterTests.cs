using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FileUploader.Core.Domain;
using FileUploader.Server.Hosting;
using FileUploader.Server.Tests.Infrastructure;
using FileUploader.Server.Workflow;
using FileUploader.StateMachine.Service;
using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Server.Tests;

/// <summary>
/// The upload workflow as AWS starts it: the bucket's EventBridge rule passes only the object key
/// (<c>{"uploadId": "staging/&lt;id&gt;"}</c>) and cannot name the execution. Runs the real engine on the real
/// <c>statemachine/upload.asl.json</c> over local storage, with the server told the rule is the only starter.
/// </summary>
public sealed class EventBridgeStarterTests : IAsyncLifetime
{
    private TestServer? _server;

    private TestServer Server => _server!;

    private IStepFunctions StepFunctions => Server.Services.GetRequiredService<IStepFunctions>();

    private string UploadArn => Server.Services.GetRequiredService<WorkflowArns>().Upload;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(o => o with { UploadStarter = ServerOptions.EventBridgeStarter });

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task UploadWorkflow_EventBridgeObjectKeyInput_EndsLikeTheUploadIdInput()
    {
        var fromRule = await StageAsync("from the rule"u8.ToArray(), "rule.txt");
        var fromServer = await StageAsync("from the server"u8.ToArray(), "server.txt");

        var ruleRun = await RunAsync(new JsonObject { ["uploadId"] = "staging/" + fromRule });
        var serverRun = await RunAsync(new JsonObject { ["uploadId"] = fromServer });

        Assert.Equal(("SUCCEEDED", "SUCCEEDED"), (ruleRun.Status, serverRun.Status));
        foreach (var (uploadId, run) in new[] { (fromRule, ruleRun), (fromServer, serverRun) })
        {
            var output = JsonNode.Parse(run.Output!)!;
            Assert.Equal(uploadId, (string)output["uploadId"]!);
            var session = (await Server.Catalog.GetUploadAsync(uploadId, CancellationToken.None))!;
            Assert.Equal(UploadStatus.Available, session.Status);
            Assert.Equal(run.ExecutionArn, (await Server.Catalog.GetFileAsync(session.FileId, CancellationToken.None))!.ExecutionId);
            Assert.Null(await Server.Store.HeadAsync($"staging/{uploadId}", CancellationToken.None));
            Assert.NotNull(await Server.Store.HeadAsync($"files/{session.FileId}", CancellationToken.None));
        }
    }

    [Fact]
    public async Task GetUploadAndSweep_EventBridgeStarterWithStagedBytes_StartNoExecutionAndKeepTheBytes()
    {
        var uploadId = await StageAsync("arrived by pre-signed POST"u8.ToArray(), "post.txt");

        using var status = await Server.Client.GetAsync($"/uploads/{uploadId}");
        await Server.Services.GetRequiredService<UploadSweeper>().SweepAsync(CancellationToken.None);

        Assert.Equal("pending", (await status.ReadObjectAsync()).Str("status"));
        Assert.Empty((await StepFunctions.ListExecutionsAsync(new ListExecutionsRequest(UploadArn, null, 10, null), CancellationToken.None)).Items);
        Assert.NotNull(await Server.Store.HeadAsync($"staging/{uploadId}", CancellationToken.None));

        // The rule's execution then settles the upload, and GET /uploads/{id} reports it.
        Assert.Equal("SUCCEEDED", (await RunAsync(new JsonObject { ["uploadId"] = "staging/" + uploadId })).Status);
        using var settled = await Server.Client.GetAsync($"/uploads/{uploadId}");
        Assert.Equal("available", (await settled.ReadObjectAsync()).Str("status"));
    }

    [Fact]
    public async Task UploadWorkflow_TwoExecutionsForOneUpload_OneFileOneRecordNeitherUndoesTheOther()
    {
        var content = "delivered twice"u8.ToArray();
        var uploadId = await StageAsync(content, "twice.txt");

        // A duplicated S3 event (or a second starter): two unnamed executions of the same upload, concurrently.
        var runs = await Task.WhenAll(
            RunAsync(new JsonObject { ["uploadId"] = "staging/" + uploadId }),
            RunAsync(new JsonObject { ["uploadId"] = uploadId }));

        var winner = Assert.Single(runs, r => r.Status == "SUCCEEDED");
        var loser = Assert.Single(runs, r => r.Status != "SUCCEEDED");
        Assert.Equal(("FAILED", ErrorNames.Conflict), (loser.Status, loser.Error));
        var session = (await Server.Catalog.GetUploadAsync(uploadId, CancellationToken.None))!;
        Assert.Equal(UploadStatus.Available, session.Status);
        Assert.Equal(winner.ExecutionArn, (await Server.Catalog.GetFileAsync(session.FileId, CancellationToken.None))!.ExecutionId);
        var keys = new List<string>();
        await foreach (var key in Server.Store.ListKeysAsync("", CancellationToken.None))
        {
            keys.Add(key);
        }

        Assert.Equal([$"files/{session.FileId}"], keys);
        using var status = await Server.Client.GetAsync($"/uploads/{uploadId}");
        Assert.Equal(content, await Server.Client.GetByteArrayAsync((await status.ReadObjectAsync()).Str("shareUrl")));
    }

    /// <summary>POST /uploads, then the bytes land under staging/ without this server (a pre-signed POST in AWS).</summary>
    private async Task<string> StageAsync(byte[] content, string fileName)
    {
        using var init = await Server.Client.PostAsJsonAsync("/uploads", new { fileName, size = content.Length, contentType = "text/plain" });
        var uploadId = (await init.ReadObjectAsync()).Str("uploadId");
        await using var bytes = new MemoryStream(content);
        await Server.Store.PutAsync($"staging/{uploadId}", bytes, content.Length, "text/plain", CancellationToken.None);
        return uploadId;
    }

    /// <summary>Starts an unnamed execution, as the EventBridge rule does, and waits for its end.</summary>
    private async Task<ExecutionDescription> RunAsync(JsonObject input)
    {
        var started = await StepFunctions.StartExecutionAsync(new StartExecutionRequest(UploadArn, null, input.ToJsonString()), CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await StepFunctions.WaitForCompletionAsync(started.ExecutionArn, timeout.Token);
    }
}
