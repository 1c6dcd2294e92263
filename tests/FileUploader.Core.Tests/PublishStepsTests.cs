using FileUploader.Core.Domain;
using FileUploader.Core.Steps;
using FileUploader.Storage.Local;

namespace FileUploader.Core.Tests;

/// <summary>Store, Record and Presign, each run the way a crash-and-retry would run it: twice.</summary>
public sealed class PublishStepsTests : IDisposable
{
    private readonly LocalWorld world = new();

    public void Dispose() => world.Dispose();

    private async Task<ValidatedUpload> ValidatedAsync(UploadSession session) =>
        await new ValidateStep(world.Catalog, world.Store, world.Policy).HandleAsync(new UploadRef(session.Id), LocalWorld.Ct);

    [Fact]
    public async Task Store_RunTwice_PromotesOnceAndSucceedsAgain()
    {
        var upload = await ValidatedAsync(await world.StageAsync(Samples.Png));
        var step = new StoreStep(world.Store);
        var input = new StoreInput(upload.UploadId, upload.FileId, upload.Sha256);

        var first = await step.HandleAsync(input, LocalWorld.Ct);
        var second = await step.HandleAsync(input, LocalWorld.Ct);

        Assert.Equal(new StoredFile(upload.FileId, $"files/{upload.FileId}", Samples.Png.Length, upload.Sha256), first);
        Assert.Equal(first, second);
        Assert.Equal([$"files/{upload.FileId}"], await world.KeysAsync());
    }

    [Fact]
    public async Task Store_StagedBytesChangedAfterValidate_FailsConflict()
    {
        var upload = await ValidatedAsync(await world.StageAsync(Samples.Png));

        var error = await Assert.ThrowsAsync<StepFailedException>(() => new StoreStep(world.Store).HandleAsync(
            new StoreInput(upload.UploadId, upload.FileId, new string('0', 64)), LocalWorld.Ct));

        Assert.Equal(ErrorNames.Conflict, error.ErrorName);
    }

    [Fact]
    public async Task Record_NewFile_WritesTheRecordWithExpiryFromNow()
    {
        var session = await world.StageAsync(Samples.Png, linkLifetime: TimeSpan.FromMinutes(90), maxDownloads: 3);
        var upload = await ValidatedAsync(session);
        world.Time.Advance(TimeSpan.FromSeconds(42.7));

        var recorded = await new RecordStep(world.Catalog, world.Policy, world.Time).HandleAsync(new RecordInput("exec-1", upload), LocalWorld.Ct);

        var expectedNow = LocalWorld.Start.AddSeconds(42);
        Assert.Equal(new RecordedFile(upload.FileId, $"files/{upload.FileId}", expectedNow.AddMinutes(90)), recorded);
        Assert.Equal(
            new FileRecord(upload.FileId, session.Id, upload.FileName, expectedNow, expectedNow.AddMinutes(90), $"files/{upload.FileId}",
                0, upload.Size, "image/png", upload.Sha256, FileStatus.Available, "exec-1", session.DeleteTokenHash, 3),
            await world.Catalog.GetFileAsync(upload.FileId, LocalWorld.Ct));
    }

    [Fact]
    public async Task Record_ReRunLater_KeepsTheFirstExpiry()
    {
        var upload = await ValidatedAsync(await world.StageAsync(Samples.Png));
        var step = new RecordStep(world.Catalog, world.Policy, world.Time);
        var first = await step.HandleAsync(new RecordInput("exec-1", upload), LocalWorld.Ct);

        world.Time.Advance(TimeSpan.FromMinutes(10));
        var second = await step.HandleAsync(new RecordInput("exec-1", upload), LocalWorld.Ct);

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Record_OtherExecutionOwnsTheId_FailsConflict()
    {
        var upload = await ValidatedAsync(await world.StageAsync(Samples.Png));
        var step = new RecordStep(world.Catalog, world.Policy, world.Time);
        await step.HandleAsync(new RecordInput("exec-1", upload), LocalWorld.Ct);

        var error = await Assert.ThrowsAsync<StepFailedException>(() => step.HandleAsync(new RecordInput("exec-2", upload), LocalWorld.Ct));

        Assert.Equal(ErrorNames.Conflict, error.ErrorName);
    }

    [Fact]
    public async Task Record_LifetimeAbovePolicy_IsCappedAtMaxLinkLifetime()
    {
        var upload = await ValidatedAsync(await world.StageAsync(Samples.Png, linkLifetime: TimeSpan.FromDays(365)));

        var recorded = await new RecordStep(world.Catalog, world.Policy, world.Time).HandleAsync(new RecordInput("e", upload), LocalWorld.Ct);

        Assert.Equal(LocalWorld.Start + world.Policy.MaxLinkLifetime, recorded.ExpiresAt);
    }

    [Fact]
    public async Task Presign_RecordedFile_LinkWorksUntilExpiresAtAndNotAfter()
    {
        var upload = await ValidatedAsync(await world.StageAsync(Samples.Png, fileName: "my photo.png"));
        await new StoreStep(world.Store).HandleAsync(new StoreInput(upload.UploadId, upload.FileId, upload.Sha256), LocalWorld.Ct);
        var recorded = await new RecordStep(world.Catalog, world.Policy, world.Time).HandleAsync(new RecordInput("e", upload), LocalWorld.Ct);
        var step = new PresignStep(world.Catalog, world.Signer, world.Policy, world.Time);

        var link = await step.HandleAsync(new FileRef(upload.FileId), LocalWorld.Ct);

        Assert.Equal(recorded.ExpiresAt, link.ExpiresAt);
        Assert.Equal(link, await step.HandleAsync(new FileRef(upload.FileId), LocalWorld.Ct));
        var url = new Uri(link.DownloadUrl);
        Assert.Equal($"/download/files/{upload.FileId}", url.AbsolutePath);
        var query = url.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => (string?)Uri.UnescapeDataString(p[1]));
        Assert.Equal(new LinkCheck(LinkStatus.Valid, recorded.ExpiresAt, FileName: "my photo.png"), world.Signer.VerifyDownload(recorded.ObjectKey, query));
        world.Time.Advance(recorded.ExpiresAt - world.Time.GetUtcNow());
        Assert.Equal(LinkStatus.Expired, world.Signer.VerifyDownload(recorded.ObjectKey, query).Status);
    }

    [Fact]
    public async Task Presign_UnknownOrRevokedFile_FailsNotFound()
    {
        var upload = await ValidatedAsync(await world.StageAsync(Samples.Png));
        await new RecordStep(world.Catalog, world.Policy, world.Time).HandleAsync(new RecordInput("e", upload), LocalWorld.Ct);
        await world.Catalog.TrySetFileStatusAsync(upload.FileId, FileStatus.Revoked, LocalWorld.Ct);
        var step = new PresignStep(world.Catalog, world.Signer, world.Policy, world.Time);

        var revoked = await Assert.ThrowsAsync<StepFailedException>(() => step.HandleAsync(new FileRef(upload.FileId), LocalWorld.Ct));
        var unknown = await Assert.ThrowsAsync<StepFailedException>(() => step.HandleAsync(new FileRef("missing"), LocalWorld.Ct));

        Assert.Equal(ErrorNames.NotFound, revoked.ErrorName);
        Assert.Equal(ErrorNames.NotFound, unknown.ErrorName);
    }
}
