using FileUploader.Core.Domain;
using FileUploader.Core.Steps;

namespace FileUploader.Core.Tests;

/// <summary>Expire, FinishUpload, FailUpload and the compensations, each run twice as a retry would.</summary>
public sealed class LifecycleStepsTests : IDisposable
{
    private readonly LocalWorld world = new();

    public void Dispose() => world.Dispose();

    /// <summary>Validate → Store → Record, as the workflow would have done.</summary>
    private async Task<(UploadSession Session, ValidatedUpload Upload)> PublishedAsync(string executionId = "exec-1")
    {
        var session = await world.StageAsync(Samples.Png);
        var upload = await new ValidateStep(world.Catalog, world.Store, world.Policy).HandleAsync(new UploadRef(session.Id), LocalWorld.Ct);
        await new StoreStep(world.Store).HandleAsync(new StoreInput(upload.UploadId, upload.FileId, upload.Sha256), LocalWorld.Ct);
        await new RecordStep(world.Catalog, world.Policy, world.Time).HandleAsync(new RecordInput(executionId, upload), LocalWorld.Ct);
        return (session, upload);
    }

    [Fact]
    public async Task Expire_AvailableFile_DeletesBytesAndMarksExpiredThenIsIdempotent()
    {
        var (_, upload) = await PublishedAsync();
        var step = new ExpireStep(world.Catalog, world.Store);

        var first = await step.HandleAsync(new ExpireInput(upload.FileId, null), LocalWorld.Ct);
        var second = await step.HandleAsync(new ExpireInput(upload.FileId, null), LocalWorld.Ct);

        Assert.Equal(new ExpiredFile(upload.FileId, true, "Expired"), first);
        Assert.Equal(new ExpiredFile(upload.FileId, false, "Expired"), second);
        Assert.Empty(await world.KeysAsync());
        Assert.Equal(FileStatus.Expired, (await world.Catalog.GetFileAsync(upload.FileId, LocalWorld.Ct))!.Status);
    }

    [Fact]
    public async Task Expire_RevokedFile_StaysRevokedButBytesGo()
    {
        var (_, upload) = await PublishedAsync();
        await world.Catalog.TrySetFileStatusAsync(upload.FileId, FileStatus.Revoked, LocalWorld.Ct);

        var result = await new ExpireStep(world.Catalog, world.Store).HandleAsync(new ExpireInput(upload.FileId, null), LocalWorld.Ct);

        Assert.Equal(new ExpiredFile(upload.FileId, true, "Revoked"), result);
        Assert.Empty(await world.KeysAsync());
    }

    [Fact]
    public async Task Expire_RecordAlreadyGone_StillDeletesTheBytes()
    {
        var (_, upload) = await PublishedAsync();
        await world.Catalog.DeleteFileAsync(upload.FileId, LocalWorld.Ct);

        var result = await new ExpireStep(world.Catalog, world.Store).HandleAsync(new ExpireInput(upload.FileId, null), LocalWorld.Ct);

        Assert.Equal(new ExpiredFile(upload.FileId, true, null), result);
        Assert.Empty(await world.KeysAsync());
    }

    [Fact]
    public async Task FinishUpload_ProcessingSession_BecomesAvailableAndIsIdempotent()
    {
        var (session, upload) = await PublishedAsync();
        var step = new FinishUploadStep(world.Catalog);

        var first = await step.HandleAsync(new FinishUploadInput(session.Id, upload.FileId), LocalWorld.Ct);
        var second = await step.HandleAsync(new FinishUploadInput(session.Id, upload.FileId), LocalWorld.Ct);

        Assert.Equal(new UploadOutcome(session.Id, session.FileId, "available", null, null), first);
        Assert.Equal(first, second);
        Assert.Equal(UploadStatus.Available, (await world.Catalog.GetUploadAsync(session.Id, LocalWorld.Ct))!.Status);
    }

    [Fact]
    public async Task FinishUpload_AfterTheUploadFailed_FailsConflict()
    {
        var session = await world.StageAsync(Samples.Png);
        await new FailUploadStep(world.Catalog, world.Store).HandleAsync(new FailUploadInput(session.Id, ErrorNames.StorageUnavailable, "down"), LocalWorld.Ct);

        var error = await Assert.ThrowsAsync<StepFailedException>(
            () => new FinishUploadStep(world.Catalog).HandleAsync(new FinishUploadInput(session.Id, session.FileId), LocalWorld.Ct));

        Assert.Equal(ErrorNames.Conflict, error.ErrorName);
    }

    [Fact]
    public async Task FailUpload_UploadRejected_MarksRejectedWithTheLambdaErrorMessage()
    {
        var session = await world.StageAsync(Samples.Png);
        const string lambdaCause = """{"errorMessage":"The file is empty.","errorType":"UploadRejected","stackTrace":[]}""";
        var step = new FailUploadStep(world.Catalog, world.Store);

        var first = await step.HandleAsync(new FailUploadInput(session.Id, ErrorNames.UploadRejected, lambdaCause), LocalWorld.Ct);
        var second = await step.HandleAsync(new FailUploadInput(session.Id, ErrorNames.UploadRejected, lambdaCause), LocalWorld.Ct);

        Assert.Equal(new UploadOutcome(session.Id, session.FileId, "rejected", ErrorNames.UploadRejected, "The file is empty."), first);
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(ErrorNames.StorageUnavailable, "disk went away", "disk went away")]
    [InlineData("States.Timeout", null, null)]
    [InlineData("Lambda.Unknown", "{not json", "{not json")]
    public async Task FailUpload_OtherError_MarksFailed(string error, string? cause, string? message)
    {
        var session = await world.StageAsync(Samples.Png);

        var outcome = await new FailUploadStep(world.Catalog, world.Store).HandleAsync(new FailUploadInput(session.Id, error, cause), LocalWorld.Ct);

        Assert.Equal(new UploadOutcome(session.Id, session.FileId, "failed", error, message), outcome);
    }

    [Fact]
    public async Task DeleteRecord_OwnRecordTwice_RemovesThenReportsGone()
    {
        var (_, upload) = await PublishedAsync("exec-1");
        var step = new DeleteRecordStep(world.Catalog);

        Assert.Equal(new Removal(upload.FileId, true), await step.HandleAsync(new RecordRef(upload.FileId, "exec-1"), LocalWorld.Ct));
        Assert.Equal(new Removal(upload.FileId, false), await step.HandleAsync(new RecordRef(upload.FileId, "exec-1"), LocalWorld.Ct));
        Assert.Null(await world.Catalog.GetFileAsync(upload.FileId, LocalWorld.Ct));
    }

    [Fact]
    public async Task DeleteRecord_AnotherExecutionsRecord_LeavesItAlone()
    {
        var (_, upload) = await PublishedAsync("exec-owner");

        var removal = await new DeleteRecordStep(world.Catalog).HandleAsync(new RecordRef(upload.FileId, "exec-other"), LocalWorld.Ct);

        Assert.False(removal.Removed);
        Assert.NotNull(await world.Catalog.GetFileAsync(upload.FileId, LocalWorld.Ct));
    }

    [Fact]
    public async Task DeleteObjectAndDeleteStaging_RunTwice_RemoveEverythingAndAcceptAlreadyGone()
    {
        var session = await world.StageAsync(Samples.Png);
        await world.Store.PutAsync(StorageKeys.File(session.FileId), new MemoryStream(Samples.Png), 100, "image/png", LocalWorld.Ct);
        var deleteObject = new DeleteObjectStep(world.Catalog, world.Store);
        var deleteStaging = new DeleteStagingStep(world.Store);

        Assert.True((await deleteObject.HandleAsync(new RecordRef(session.FileId, "exec-1"), LocalWorld.Ct)).Removed);
        Assert.False((await deleteObject.HandleAsync(new RecordRef(session.FileId, "exec-1"), LocalWorld.Ct)).Removed);
        Assert.Equal(new Removal($"staging/{session.Id}", true), await deleteStaging.HandleAsync(new UploadRef(session.Id), LocalWorld.Ct));
        Assert.False((await deleteStaging.HandleAsync(new UploadRef(session.Id), LocalWorld.Ct)).Removed);
        Assert.Empty(await world.KeysAsync());
    }

    [Fact]
    public async Task DeleteObject_AnotherExecutionOwnsTheRecord_KeepsTheObject()
    {
        var session = await world.StageAsync(Samples.Png);
        await world.Store.PutAsync(StorageKeys.File(session.FileId), new MemoryStream(Samples.Png), Samples.Png.Length, "image/png", LocalWorld.Ct);
        var upload = await new ValidateStep(world.Catalog, world.Store, world.Policy).HandleAsync(new UploadRef(session.Id), LocalWorld.Ct);
        await new RecordStep(world.Catalog, world.Policy, world.Time).HandleAsync(new RecordInput("exec-winner", upload), LocalWorld.Ct);

        var removal = await new DeleteObjectStep(world.Catalog, world.Store).HandleAsync(new RecordRef(session.FileId, "exec-loser"), LocalWorld.Ct);

        Assert.False(removal.Removed);
        Assert.Contains($"files/{session.FileId}", await world.KeysAsync());
    }
}
