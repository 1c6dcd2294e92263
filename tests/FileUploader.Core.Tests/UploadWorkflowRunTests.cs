using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Core.Steps;
using FileUploader.Storage.Local;

namespace FileUploader.Core.Tests;

/// <summary>
/// Pushes real uploads through the real definitions and the real steps over local storage (see <see cref="AslWalker"/>):
/// the data each state passes on must be what the next step needs.
/// </summary>
public sealed class UploadWorkflowRunTests : IDisposable
{
    private readonly LocalWorld world = new();
    private readonly List<JsonNode?> expiryStarts = [];

    public void Dispose() => world.Dispose();

    private Dictionary<string, Func<JsonNode?, Task<JsonNode?>>> Resources(ILinkSigner? signer = null)
    {
        var c = StepJsonContext.Default;
        return new()
        {
            ["${ValidateFunctionArn}"] = Bind(new ValidateStep(world.Catalog, world.Store, world.Policy), c.UploadRef, c.ValidatedUpload),
            ["${StoreFunctionArn}"] = Bind(new StoreStep(world.Store), c.StoreInput, c.StoredFile),
            ["${RecordFunctionArn}"] = Bind(new RecordStep(world.Catalog, world.Policy, world.Time), c.RecordInput, c.RecordedFile),
            ["${PresignFunctionArn}"] = Bind(new PresignStep(world.Catalog, signer ?? world.Signer, world.Policy, world.Time), c.FileRef, c.PresignedLink),
            ["${FinishUploadFunctionArn}"] = Bind(new FinishUploadStep(world.Catalog), c.FinishUploadInput, c.UploadOutcome),
            ["${FailUploadFunctionArn}"] = Bind(new FailUploadStep(world.Catalog, world.Store), c.FailUploadInput, c.UploadOutcome),
            ["${DeleteRecordFunctionArn}"] = Bind(new DeleteRecordStep(world.Catalog), c.RecordRef, c.Removal),
            ["${DeleteObjectFunctionArn}"] = Bind(new DeleteObjectStep(world.Catalog, world.Store), c.RecordRef, c.Removal),
            ["${DeleteStagingFunctionArn}"] = Bind(new DeleteStagingStep(world.Store), c.UploadRef, c.Removal),
            ["${ExpireFunctionArn}"] = Bind(new ExpireStep(world.Catalog, world.Store), c.ExpireInput, c.ExpiredFile),
            ["arn:aws:states:::states:startExecution"] = request =>
            {
                expiryStarts.Add(request?.DeepClone());
                return Task.FromResult<JsonNode?>(new JsonObject { ["ExecutionArn"] = "arn:expiry:" + (string)request!["Name"]! });
            },
        };
    }

    private static Func<JsonNode?, Task<JsonNode?>> Bind<TIn, TOut>(IStep<TIn, TOut> step, JsonTypeInfo<TIn> input, JsonTypeInfo<TOut> output) =>
        async node => JsonSerializer.SerializeToNode(await step.HandleAsync(node.Deserialize(input)!, CancellationToken.None), output);

    [Fact]
    public async Task Upload_GoodFile_PublishesLinksTheFileAndSchedulesItsExpiry()
    {
        var session = await world.StageAsync(Samples.Pdf, "minutes.pdf", "application/pdf");
        var walker = new AslWalker(AslWalker.Load("upload.asl.json"), Resources());

        var outcome = await walker.RunAsync(new JsonObject { ["uploadId"] = session.Id }, "exec:" + session.Id);

        Assert.True(outcome.Succeeded, outcome.Output.ToJsonString());
        Assert.Equal(["ReadUploadId", "Validate", "Store", "Record", "Presign", "ScheduleExpiry", "FinishUpload", "Done"], walker.Visited);
        Assert.Equal(UploadStatus.Available, (await world.Catalog.GetUploadAsync(session.Id, LocalWorld.Ct))!.Status);
        var record = (await world.Catalog.GetFileAsync(session.FileId, LocalWorld.Ct))!;
        Assert.Equal("exec:" + session.Id, record.ExecutionId);
        Assert.Equal([$"files/{session.FileId}"], await world.KeysAsync());
        Assert.Equal(new Uri((string)outcome.Output["link"]!["downloadUrl"]!).AbsolutePath, $"/download/files/{session.FileId}");
        var start = Assert.Single(expiryStarts)!;
        Assert.Equal(session.FileId, (string)start["Name"]!);
        Assert.Equal("${ExpiryStateMachineArn}", (string)start["StateMachineArn"]!);
        Assert.Equal(record.ExpiresAt, JsonSerializer.Deserialize(start["Input"], StepJsonContext.Default.ExpireInput)!.ExpiresAt);
    }

    [Fact]
    public async Task Expiry_ScheduledByTheUpload_RemovesTheBytesAndExpiresTheRecord()
    {
        var session = await world.StageAsync(Samples.Png);
        await new AslWalker(AslWalker.Load("upload.asl.json"), Resources()).RunAsync(new JsonObject { ["uploadId"] = session.Id }, "exec-1");
        var expiryInput = expiryStarts.Single()!["Input"]!.AsObject();

        var outcome = await new AslWalker(AslWalker.Load("expiry.asl.json"), Resources()).RunAsync(expiryInput, "expiry-1");

        Assert.True(outcome.Succeeded);
        Assert.Empty(await world.KeysAsync());
        Assert.Equal(FileStatus.Expired, (await world.Catalog.GetFileAsync(session.FileId, LocalWorld.Ct))!.Status);
        Assert.Equal("Expired", (string)outcome.Output["expired"]!["status"]!);
    }

    [Fact]
    public async Task Upload_Rejected_KeepsNothingAndFailsWithUploadRejected()
    {
        var session = await world.StageAsync(Samples.Html, "cute-cat.png", "image/png");
        var walker = new AslWalker(AslWalker.Load("upload.asl.json"), Resources());

        var outcome = await walker.RunAsync(new JsonObject { ["uploadId"] = session.Id }, "exec-1");

        Assert.False(outcome.Succeeded);
        Assert.Equal(ErrorNames.UploadRejected, outcome.Error);
        Assert.Contains("does not look like image/png", outcome.Cause, StringComparison.Ordinal);
        Assert.Equal(["ReadUploadId", "Validate", "DeleteStaging", "FailUpload", "UploadFailed"], walker.Visited);
        Assert.Empty(await world.KeysAsync());
        Assert.Null(await world.Catalog.GetFileAsync(session.FileId, LocalWorld.Ct));
        var after = (await world.Catalog.GetUploadAsync(session.Id, LocalWorld.Ct))!;
        Assert.Equal((UploadStatus.Rejected, ErrorNames.UploadRejected), (after.Status, after.Error));
        Assert.Contains("does not look like image/png", after.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_PresignFailsForGood_UndoesRecordAndObjectAndStaging()
    {
        var session = await world.StageAsync(Samples.Png);
        var walker = new AslWalker(AslWalker.Load("upload.asl.json"), Resources(new BrokenSigner()));

        var outcome = await walker.RunAsync(new JsonObject { ["uploadId"] = session.Id }, "exec-1");

        Assert.False(outcome.Succeeded);
        Assert.Equal(ErrorNames.StorageUnavailable, outcome.Error);
        Assert.Equal(
            ["ReadUploadId", "Validate", "Store", "Record", "Presign", "DeleteRecord", "DeleteObject", "DeleteStaging", "FailUpload", "UploadFailed"],
            walker.Visited);
        Assert.Empty(await world.KeysAsync());
        Assert.Null(await world.Catalog.GetFileAsync(session.FileId, LocalWorld.Ct));
        Assert.Equal(UploadStatus.Failed, (await world.Catalog.GetUploadAsync(session.Id, LocalWorld.Ct))!.Status);
        Assert.Empty(expiryStarts);
    }

    [Fact]
    public async Task Upload_EventBridgeObjectKeyAsInput_PublishesLikeTheUploadId()
    {
        var session = await world.StageAsync(Samples.Pdf, "minutes.pdf", "application/pdf");
        var walker = new AslWalker(AslWalker.Load("upload.asl.json"), Resources());

        var outcome = await walker.RunAsync(new JsonObject { ["uploadId"] = "staging/" + session.Id }, "exec-eventbridge");

        Assert.True(outcome.Succeeded, outcome.Output.ToJsonString());
        Assert.Equal(session.Id, (string)outcome.Output["uploadId"]!);
        Assert.Equal(UploadStatus.Available, (await world.Catalog.GetUploadAsync(session.Id, LocalWorld.Ct))!.Status);
        Assert.Equal([$"files/{session.FileId}"], await world.KeysAsync());
    }

    [Fact]
    public async Task Upload_DuplicateExecutionLosesTheRecord_KeepsTheWinnersFileRecordAndSession()
    {
        var session = await world.StageAsync(Samples.Png);
        var first = new AslWalker(AslWalker.Load("upload.asl.json"), Resources());
        var secondResources = Resources();
        var store = secondResources["${StoreFunctionArn}"];
        AslOutcome? firstOutcome = null;
        // The duplicate has validated the staged bytes; the first execution publishes everything before it stores.
        secondResources["${StoreFunctionArn}"] = async input =>
        {
            firstOutcome = await first.RunAsync(new JsonObject { ["uploadId"] = session.Id }, "exec-first");
            return await store(input);
        };
        var second = new AslWalker(AslWalker.Load("upload.asl.json"), secondResources);

        var secondOutcome = await second.RunAsync(new JsonObject { ["uploadId"] = "staging/" + session.Id }, "exec-second");

        Assert.True(firstOutcome!.Succeeded, firstOutcome.Output.ToJsonString());
        Assert.False(secondOutcome.Succeeded);
        Assert.Equal(ErrorNames.Conflict, secondOutcome.Error);
        Assert.Contains("DeleteObject", second.Visited);
        Assert.Equal([$"files/{session.FileId}"], await world.KeysAsync());
        Assert.Equal("exec-first", (await world.Catalog.GetFileAsync(session.FileId, LocalWorld.Ct))!.ExecutionId);
        Assert.Equal(UploadStatus.Available, (await world.Catalog.GetUploadAsync(session.Id, LocalWorld.Ct))!.Status);
    }

    [Fact]
    public async Task Upload_DuplicateExecutionWhileTheFirstIsBetweenStoreAndRecord_LeavesTheFirstToFinish()
    {
        var session = await world.StageAsync(Samples.Png);
        var firstResources = Resources();
        var record = firstResources["${RecordFunctionArn}"];
        AslOutcome? secondOutcome = null;
        AslWalker? second = null;
        // The duplicate starts after the first promoted the bytes but before it recorded them.
        firstResources["${RecordFunctionArn}"] = async input =>
        {
            second = new AslWalker(AslWalker.Load("upload.asl.json"), Resources());
            secondOutcome = await second.RunAsync(new JsonObject { ["uploadId"] = session.Id }, "exec-second");
            return await record(input);
        };
        var first = new AslWalker(AslWalker.Load("upload.asl.json"), firstResources);

        var firstOutcome = await first.RunAsync(new JsonObject { ["uploadId"] = session.Id }, "exec-first");

        Assert.True(firstOutcome.Succeeded, firstOutcome.Output.ToJsonString());
        Assert.Equal(ErrorNames.Conflict, secondOutcome!.Error);
        Assert.Equal(["ReadUploadId", "Validate", "DeleteStaging", "FailUpload", "UploadFailed"], second!.Visited);
        Assert.Equal([$"files/{session.FileId}"], await world.KeysAsync());
        Assert.Equal("exec-first", (await world.Catalog.GetFileAsync(session.FileId, LocalWorld.Ct))!.ExecutionId);
        Assert.Equal(UploadStatus.Available, (await world.Catalog.GetUploadAsync(session.Id, LocalWorld.Ct))!.Status);
    }

    /// <summary>A signer whose key store is unreachable: a fault local storage cannot produce on demand.</summary>
    private sealed class BrokenSigner : ILinkSigner
    {
        public Uri CreateDownloadUrl(string objectKey, string fileName, DateTimeOffset expiresAt) =>
            throw new StepFailedException(ErrorNames.StorageUnavailable, "The signing key is unreachable.", retryable: true);

        public UploadTarget CreateUploadTarget(string stagingKey, long maxBytes, string contentType, DateTimeOffset expiresAt) =>
            throw new StepFailedException(ErrorNames.StorageUnavailable, "The signing key is unreachable.", retryable: true);
    }
}
