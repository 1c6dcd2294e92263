using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using Xunit;

namespace FileUploader.Testing.Contracts;

/// <summary>
/// What every <see cref="IFileCatalog"/> must do. An adapter's test project adds a one-line subclass that returns
/// its catalog (over its fixture). Ids are unique per test instance, so a shared table is fine.
/// </summary>
public abstract class FileCatalogContract : IAsyncLifetime
{
    /// <summary>Whole seconds, UTC, in the future of any real clock: every adapter round-trips these exactly.</summary>
    protected static readonly DateTimeOffset Now = new(2031, 3, 14, 15, 9, 26, TimeSpan.Zero);

    private readonly string run = Guid.NewGuid().ToString("N")[..12];

    private IFileCatalog? catalog;

    protected IFileCatalog Catalog => catalog ?? throw new InvalidOperationException("InitializeAsync has not run.");

    protected static CancellationToken Ct => CancellationToken.None;

    /// <summary>The adapter under test, ready to use.</summary>
    protected abstract Task<IFileCatalog> CreateCatalogAsync();

    public virtual async Task InitializeAsync() => catalog = await CreateCatalogAsync();

    public virtual Task DisposeAsync() => catalog is IAsyncDisposable d ? d.DisposeAsync().AsTask() : Task.CompletedTask;

    protected string Id(string name) => $"{run}-{name}";

    protected UploadSession NewSession(string name, long? maxDownloads = null) => new(
        Id: Id(name),
        FileName: "report 2031.pdf",
        DeclaredSize: 12_345,
        DeclaredContentType: "application/pdf",
        CreatedAt: Now,
        UploadUrlExpiresAt: Now.AddMinutes(15),
        LinkLifetime: TimeSpan.FromHours(1),
        MaxDownloads: maxDownloads,
        DeleteTokenHash: new string('a', 64),
        Status: UploadStatus.Pending,
        FileId: Id(name + "-file"),
        Error: null,
        Message: null);

    protected FileRecord NewRecord(string name, long? maxDownloads = null, string executionId = "exec-1") => new(
        Id: Id(name),
        UploadId: Id(name + "-upload"),
        OriginalFileName: "holiday photo.jpg",
        UploadedAt: Now,
        ExpiresAt: Now.AddHours(1),
        ObjectKey: $"files/{Id(name)}",
        DownloadCount: 0,
        Size: 2_000_000,
        ContentType: "image/jpeg",
        Sha256: new string('0', 63) + "f",
        Status: FileStatus.Available,
        ExecutionId: executionId,
        DeleteTokenHash: new string('b', 64),
        MaxDownloads: maxDownloads);

    [Fact]
    public async Task TryCreateUploadAsync_NewId_StoresTheSession()
    {
        var session = NewSession("create");

        Assert.True(await Catalog.TryCreateUploadAsync(session, Ct));

        Assert.Equal(session, await Catalog.GetUploadAsync(session.Id, Ct));
    }

    [Fact]
    public async Task TryCreateUploadAsync_ExistingId_ReturnsFalseAndKeepsTheFirst()
    {
        var session = NewSession("dup", maxDownloads: 3);
        await Catalog.TryCreateUploadAsync(session, Ct);

        Assert.False(await Catalog.TryCreateUploadAsync(session with { FileName = "other.txt", MaxDownloads = null }, Ct));

        Assert.Equal(session, await Catalog.GetUploadAsync(session.Id, Ct));
    }

    [Fact]
    public async Task GetUploadAsync_UnknownId_ReturnsNull()
    {
        Assert.Null(await Catalog.GetUploadAsync(Id("nobody"), Ct));
    }

    [Fact]
    public async Task TryUpdateUploadStatusAsync_PendingToProcessingRacedTwentyTimes_MovesExactlyOnce()
    {
        // A second PUT to the same upload URL must lose, however close together they arrive.
        var session = NewSession("once");
        await Catalog.TryCreateUploadAsync(session, Ct);

        var moves = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => Catalog.TryUpdateUploadStatusAsync(
            session.Id, UploadStatus.Processing, [UploadStatus.Pending], null, null, null, Ct))));

        Assert.Equal(1, moves.Count(moved => moved));
        Assert.Equal(UploadStatus.Processing, (await Catalog.GetUploadAsync(session.Id, Ct))!.Status);
    }

    [Fact]
    public async Task TryUpdateUploadStatusAsync_UnexpectedCurrentStatus_ReturnsFalseAndChangesNothing()
    {
        var session = NewSession("wrong-state");
        await Catalog.TryCreateUploadAsync(session, Ct);

        var moved = await Catalog.TryUpdateUploadStatusAsync(
            session.Id, UploadStatus.Available, [UploadStatus.Processing], "other-file", null, null, Ct);

        Assert.False(moved);
        Assert.Equal(session, await Catalog.GetUploadAsync(session.Id, Ct));
    }

    [Fact]
    public async Task TryUpdateUploadStatusAsync_UnknownId_ReturnsFalse()
    {
        Assert.False(await Catalog.TryUpdateUploadStatusAsync(
            Id("ghost"), UploadStatus.Processing, [UploadStatus.Pending], null, null, null, Ct));
        Assert.Null(await Catalog.GetUploadAsync(Id("ghost"), Ct));
    }

    [Fact]
    public async Task TryUpdateUploadStatusAsync_Failure_RecordsErrorAndMessageAndKeepsFileId()
    {
        var session = NewSession("failed");
        await Catalog.TryCreateUploadAsync(session, Ct);
        await Catalog.TryUpdateUploadStatusAsync(session.Id, UploadStatus.Processing, [UploadStatus.Pending], null, null, null, Ct);

        var moved = await Catalog.TryUpdateUploadStatusAsync(
            session.Id, UploadStatus.Rejected, [UploadStatus.Processing], null, ErrorNames.UploadRejected, "The file is empty.", Ct);

        Assert.True(moved);
        Assert.Equal(
            session with { Status = UploadStatus.Rejected, Error = ErrorNames.UploadRejected, Message = "The file is empty." },
            await Catalog.GetUploadAsync(session.Id, Ct));
    }

    [Fact]
    public async Task TryUpdateUploadStatusAsync_FinishWithFileId_SetsAvailableAndFileId()
    {
        var session = NewSession("finish");
        await Catalog.TryCreateUploadAsync(session, Ct);

        var moved = await Catalog.TryUpdateUploadStatusAsync(
            session.Id, UploadStatus.Available, [UploadStatus.Pending, UploadStatus.Processing], session.FileId, null, null, Ct);

        Assert.True(moved);
        Assert.Equal(session with { Status = UploadStatus.Available }, await Catalog.GetUploadAsync(session.Id, Ct));
    }

    [Fact]
    public async Task PutFileAsync_NewId_StoresTheRecord()
    {
        var record = NewRecord("put", maxDownloads: 5);

        await Catalog.PutFileAsync(record, Ct);

        Assert.Equal(record, await Catalog.GetFileAsync(record.Id, Ct));
    }

    [Fact]
    public async Task PutFileAsync_NoLimitRecord_RoundTripsNullMaxDownloads()
    {
        var record = NewRecord("unlimited", maxDownloads: null);

        await Catalog.PutFileAsync(record, Ct);

        Assert.Null((await Catalog.GetFileAsync(record.Id, Ct))!.MaxDownloads);
    }

    [Fact]
    public async Task PutFileAsync_SameExecutionAgain_IsIdempotentAndKeepsTheFirstWrite()
    {
        // The Record step re-run after a crash: same execution, maybe a later clock.
        var record = NewRecord("replay", executionId: "exec-A");
        await Catalog.PutFileAsync(record, Ct);

        await Catalog.PutFileAsync(record with { ExpiresAt = record.ExpiresAt.AddMinutes(5) }, Ct);

        Assert.Equal(record, await Catalog.GetFileAsync(record.Id, Ct));
    }

    [Fact]
    public async Task PutFileAsync_OtherExecution_ThrowsConflictAndKeepsTheFirst()
    {
        var record = NewRecord("owned", executionId: "exec-A");
        await Catalog.PutFileAsync(record, Ct);

        var error = await Assert.ThrowsAsync<StepFailedException>(
            () => Catalog.PutFileAsync(record with { ExecutionId = "exec-B", OriginalFileName = "x.bin" }, Ct));

        Assert.Equal(ErrorNames.Conflict, error.ErrorName);
        Assert.False(error.Retryable);
        Assert.Equal(record, await Catalog.GetFileAsync(record.Id, Ct));
    }

    [Fact]
    public async Task GetFileAsync_UnknownId_ReturnsNull()
    {
        Assert.Null(await Catalog.GetFileAsync(Id("nothing"), Ct));
    }

    [Fact]
    public async Task TryCountDownloadAsync_AvailableFile_CountsAndReturnsTheCountedRecord()
    {
        var record = NewRecord("count");
        await Catalog.PutFileAsync(record, Ct);

        var first = await Catalog.TryCountDownloadAsync(record.Id, Now.AddMinutes(1), Ct);
        var second = await Catalog.TryCountDownloadAsync(record.Id, Now.AddMinutes(2), Ct);

        Assert.Equal(new DownloadClaim(DownloadClaimResult.Counted, record with { DownloadCount = 1 }), first);
        Assert.Equal(new DownloadClaim(DownloadClaimResult.Counted, record with { DownloadCount = 2 }), second);
        Assert.Equal(2, (await Catalog.GetFileAsync(record.Id, Ct))!.DownloadCount);
    }

    [Fact]
    public async Task TryCountDownloadAsync_200ConcurrentClaimsOnLimitOf10_CountsExactly10()
    {
        var record = NewRecord("limited", maxDownloads: 10);
        await Catalog.PutFileAsync(record, Ct);

        var claims = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ =>
            Task.Run(() => Catalog.TryCountDownloadAsync(record.Id, Now.AddMinutes(1), Ct))));

        Assert.Equal(10, claims.Count(c => c.Result == DownloadClaimResult.Counted));
        Assert.Equal(190, claims.Count(c => c.Result == DownloadClaimResult.LimitReached));
        Assert.Equal(
            Enumerable.Range(1, 10).Select(i => (long)i),
            claims.Where(c => c.Result == DownloadClaimResult.Counted).Select(c => c.Record!.DownloadCount).Order());
        Assert.Equal(10, (await Catalog.GetFileAsync(record.Id, Ct))!.DownloadCount);
    }

    [Fact]
    public async Task TryCountDownloadAsync_ConcurrentClaimsWithoutLimit_CountsEveryOne()
    {
        var record = NewRecord("busy");
        await Catalog.PutFileAsync(record, Ct);

        var claims = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            Task.Run(() => Catalog.TryCountDownloadAsync(record.Id, Now.AddMinutes(1), Ct))));

        Assert.All(claims, c => Assert.Equal(DownloadClaimResult.Counted, c.Result));
        Assert.Equal(50, (await Catalog.GetFileAsync(record.Id, Ct))!.DownloadCount);
    }

    [Fact]
    public async Task TryCountDownloadAsync_LimitReached_RefusesWithoutCounting()
    {
        var record = NewRecord("one-time", maxDownloads: 1);
        await Catalog.PutFileAsync(record, Ct);
        await Catalog.TryCountDownloadAsync(record.Id, Now, Ct);

        var claim = await Catalog.TryCountDownloadAsync(record.Id, Now, Ct);

        Assert.Equal(new DownloadClaim(DownloadClaimResult.LimitReached, record with { DownloadCount = 1 }), claim);
        Assert.Equal(1, (await Catalog.GetFileAsync(record.Id, Ct))!.DownloadCount);
    }

    [Fact]
    public async Task TryCountDownloadAsync_AtOrAfterExpiresAt_RefusesAsExpiredWithoutCounting()
    {
        var record = NewRecord("late");
        await Catalog.PutFileAsync(record, Ct);

        var atExpiry = await Catalog.TryCountDownloadAsync(record.Id, record.ExpiresAt, Ct);
        var after = await Catalog.TryCountDownloadAsync(record.Id, record.ExpiresAt.AddDays(1), Ct);
        var justBefore = await Catalog.TryCountDownloadAsync(record.Id, record.ExpiresAt.AddSeconds(-1), Ct);

        Assert.Equal(DownloadClaimResult.Expired, atExpiry.Result);
        Assert.Equal(DownloadClaimResult.Expired, after.Result);
        Assert.Equal(DownloadClaimResult.Counted, justBefore.Result);
        Assert.Equal(1, (await Catalog.GetFileAsync(record.Id, Ct))!.DownloadCount);
    }

    [Fact]
    public async Task TryCountDownloadAsync_StatusExpired_RefusesAsExpired()
    {
        var record = NewRecord("expired");
        await Catalog.PutFileAsync(record, Ct);
        await Catalog.TrySetFileStatusAsync(record.Id, FileStatus.Expired, Ct);

        var claim = await Catalog.TryCountDownloadAsync(record.Id, Now, Ct);

        Assert.Equal(DownloadClaimResult.Expired, claim.Result);
        Assert.Equal(0, (await Catalog.GetFileAsync(record.Id, Ct))!.DownloadCount);
    }

    [Fact]
    public async Task TryCountDownloadAsync_Revoked_RefusesAsRevokedEvenWhenAlsoPastExpiry()
    {
        var record = NewRecord("revoked", maxDownloads: 3);
        await Catalog.PutFileAsync(record, Ct);
        await Catalog.TrySetFileStatusAsync(record.Id, FileStatus.Revoked, Ct);

        var claim = await Catalog.TryCountDownloadAsync(record.Id, Now, Ct);
        var late = await Catalog.TryCountDownloadAsync(record.Id, record.ExpiresAt.AddHours(1), Ct);

        Assert.Equal(new DownloadClaim(DownloadClaimResult.Revoked, record with { Status = FileStatus.Revoked }), claim);
        Assert.Equal(DownloadClaimResult.Revoked, late.Result);
    }

    [Fact]
    public async Task TryCountDownloadAsync_UnknownId_ReturnsNotFound()
    {
        Assert.Equal(
            new DownloadClaim(DownloadClaimResult.NotFound, null),
            await Catalog.TryCountDownloadAsync(Id("unknown"), Now, Ct));
    }

    [Fact]
    public async Task TrySetFileStatusAsync_Revoke_ChangesOnceThenReportsNoChange()
    {
        var record = NewRecord("revoke");
        await Catalog.PutFileAsync(record, Ct);

        Assert.True(await Catalog.TrySetFileStatusAsync(record.Id, FileStatus.Revoked, Ct));
        Assert.False(await Catalog.TrySetFileStatusAsync(record.Id, FileStatus.Revoked, Ct));

        Assert.Equal(record with { Status = FileStatus.Revoked }, await Catalog.GetFileAsync(record.Id, Ct));
    }

    [Fact]
    public async Task TrySetFileStatusAsync_UnknownId_ReturnsFalseAndCreatesNothing()
    {
        Assert.False(await Catalog.TrySetFileStatusAsync(Id("missing"), FileStatus.Expired, Ct));
        Assert.Null(await Catalog.GetFileAsync(Id("missing"), Ct));
    }

    [Fact]
    public async Task DeleteFileAsync_ExistingThenAgain_RemovesThenReportsAlreadyGone()
    {
        var record = NewRecord("delete");
        await Catalog.PutFileAsync(record, Ct);

        Assert.True(await Catalog.DeleteFileAsync(record.Id, Ct));
        Assert.False(await Catalog.DeleteFileAsync(record.Id, Ct));

        Assert.Null(await Catalog.GetFileAsync(record.Id, Ct));
        Assert.Equal(DownloadClaimResult.NotFound, (await Catalog.TryCountDownloadAsync(record.Id, Now, Ct)).Result);
    }

    [Fact]
    public async Task DeleteFileAsync_ThenPutByAnotherExecution_Succeeds()
    {
        // Compensation removed the record; nothing of it may block a later owner.
        var record = NewRecord("reowned", executionId: "exec-A");
        await Catalog.PutFileAsync(record, Ct);
        await Catalog.DeleteFileAsync(record.Id, Ct);

        await Catalog.PutFileAsync(record with { ExecutionId = "exec-B" }, Ct);

        Assert.Equal("exec-B", (await Catalog.GetFileAsync(record.Id, Ct))!.ExecutionId);
    }
}
