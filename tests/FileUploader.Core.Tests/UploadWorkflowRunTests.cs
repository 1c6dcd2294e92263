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
            ["${FailUploadFunctionArn}"] = Bind(new FailUploadStep(world.Catalog), c.FailUploadInput, c.UploadOutcome),
            ["${DeleteRecordFunctionArn}"] = Bind(new DeleteRecordStep(world.Catalog), c.RecordRef, c.Removal),
            ["${DeleteObjectFunctionArn}"] = Bind(new DeleteObjectStep(world.Store), c.FileRef, c.Removal),
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
        Assert.Equal(["Validate", "Store", "Record", "Presign", "ScheduleExpiry", "FinishUpload", "Done"], walker.Visited);
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
        Assert.Equal(["Validate", "DeleteStaging", "FailUpload", "UploadFailed"], walker.Visited);
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
            ["Validate", "Store", "Record", "Presign", "DeleteRecord", "DeleteObject", "DeleteStaging", "FailUpload", "UploadFailed"],
            walker.Visited);
        Assert.Empty(await world.KeysAsync());
        Assert.Null(await world.Catalog.GetFileAsync(session.FileId, LocalWorld.Ct));
        Assert.Equal(UploadStatus.Failed, (await world.Catalog.GetUploadAsync(session.Id, LocalWorld.Ct))!.Status);
        Assert.Empty(expiryStarts);
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
