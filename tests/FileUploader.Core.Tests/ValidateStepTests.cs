using FileUploader.Core.Domain;
using FileUploader.Core.Steps;

namespace FileUploader.Core.Tests;

public sealed class ValidateStepTests : IDisposable
{
    private readonly LocalWorld world = new(UploadPolicy.Default with { MaxBytes = 1000 });

    public void Dispose() => world.Dispose();

    private ValidateStep Step => new(world.Catalog, world.Store, world.Policy);

    private async Task<StepFailedException> RejectedAsync(UploadRef input)
    {
        var error = await Assert.ThrowsAsync<StepFailedException>(() => Step.HandleAsync(input, LocalWorld.Ct));
        Assert.Equal(ErrorNames.UploadRejected, error.ErrorName);
        Assert.False(error.Retryable);
        return error;
    }

    [Fact]
    public async Task HandleAsync_GoodPng_ReturnsSanitisedFacts()
    {
        var session = await world.StageAsync(Samples.Png, fileName: "../holiday\u202E.png");

        var validated = await Step.HandleAsync(new UploadRef(session.Id), LocalWorld.Ct);

        var staged = await world.Store.HeadAsync(StorageKeys.Staging(session.Id), LocalWorld.Ct);
        Assert.Equal(
            new ValidatedUpload(session.Id, session.FileId, "holiday.png", Samples.Png.Length, "image/png", staged!.Sha256),
            validated);
    }

    [Fact]
    public async Task HandleAsync_RunTwice_GivesTheSameAnswerAndLeavesTheStagedBytes()
    {
        var session = await world.StageAsync(Samples.Pdf, "a.pdf", "application/pdf");

        var first = await Step.HandleAsync(new UploadRef(session.Id), LocalWorld.Ct);
        var second = await Step.HandleAsync(new UploadRef(session.Id), LocalWorld.Ct);

        Assert.Equal(first, second);
        Assert.NotNull(await world.Store.HeadAsync(StorageKeys.Staging(session.Id), LocalWorld.Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/octet-stream")]
    public async Task HandleAsync_NoUsefulDeclaredType_UsesTheSniffedType(string? declared)
    {
        var session = await world.StageAsync(Samples.Jpeg, "cat.jpg", declared);

        var validated = await Step.HandleAsync(new UploadRef(session.Id), LocalWorld.Ct);

        Assert.Equal("image/jpeg", validated.ContentType);
    }

    [Fact]
    public async Task HandleAsync_UnrecognisedText_KeepsDeclaredEssence()
    {
        var session = await world.StageAsync(Samples.Text, "notes.txt", "Text/Plain; charset=utf-8");

        var validated = await Step.HandleAsync(new UploadRef(session.Id), LocalWorld.Ct);

        Assert.Equal("text/plain", validated.ContentType);
    }

    [Fact]
    public async Task HandleAsync_SeveralProblems_ReportsEveryOneAtOnce()
    {
        // Wrong declared size, a name with nothing usable, and HTML pretending to be a PNG.
        var session = await world.StageAsync(Samples.Html, fileName: "\u202E/", contentType: "image/png", declaredSize: 10);

        var error = await RejectedAsync(new UploadRef(session.Id));

        Assert.Contains($"declared 10 bytes but {Samples.Html.Length} arrived", error.Message, StringComparison.Ordinal);
        Assert.Contains("file name", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not look like image/png (it is text/html)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_EmptyFile_IsRejected()
    {
        var session = await world.StageAsync([], "empty.txt", "text/plain");

        var error = await RejectedAsync(new UploadRef(session.Id));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_LargerThanPolicy_IsRejected()
    {
        var session = await world.StageAsync(new byte[1001], "big.bin", "application/octet-stream");

        var error = await RejectedAsync(new UploadRef(session.Id));

        Assert.Contains("maximum is 1000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/octet-stream")]
    [InlineData("image/png")]
    [InlineData("application/x-msdownload")]
    public async Task HandleAsync_WindowsExecutable_IsDeniedWhateverItIsCalled(string declared)
    {
        var session = await world.StageAsync(Samples.WindowsExe, "setup.exe", declared);

        var error = await RejectedAsync(new UploadRef(session.Id));

        Assert.Contains("application/x-msdownload are not accepted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_ElfDeclaredAsText_IsRejected()
    {
        var session = await world.StageAsync(Samples.Elf, "readme.txt", "text/plain");

        var error = await RejectedAsync(new UploadRef(session.Id));

        Assert.Contains("application/x-executable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_DeniedByDeclaredType_IsRejectedEvenWithoutMagic()
    {
        using var strict = new LocalWorld(UploadPolicy.Default with
        {
            DeniedContentTypes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "text/html", "image/svg+xml" },
        });
        var session = await strict.StageAsync(Samples.Svg, "logo.svg", "image/svg+xml");

        var error = await Assert.ThrowsAsync<StepFailedException>(
            () => new ValidateStep(strict.Catalog, strict.Store, strict.Policy).HandleAsync(new UploadRef(session.Id), LocalWorld.Ct));

        Assert.Equal(ErrorNames.UploadRejected, error.ErrorName);
        Assert.Contains("image/svg+xml are not accepted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_HtmlDeclaredAsHtml_IsAcceptedByDefault()
    {
        // Served later as an attachment with nosniff, never as active content.
        var session = await world.StageAsync(Samples.Html, "page.html", "text/html");

        var validated = await Step.HandleAsync(new UploadRef(session.Id), LocalWorld.Ct);

        Assert.Equal("text/html", validated.ContentType);
    }

    [Fact]
    public async Task HandleAsync_MalformedDeclaredType_IsRejected()
    {
        var session = await world.StageAsync(Samples.Text, "a.txt", "text/plain\r\nX-Evil: 1");

        var error = await RejectedAsync(new UploadRef(session.Id));

        Assert.Contains("not a valid media type", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_UnknownUpload_FailsNotFound()
    {
        var error = await Assert.ThrowsAsync<StepFailedException>(() => Step.HandleAsync(new UploadRef("nope"), LocalWorld.Ct));

        Assert.Equal(ErrorNames.NotFound, error.ErrorName);
    }

    [Fact]
    public async Task HandleAsync_BytesNeverArrived_FailsNotFound()
    {
        var session = await world.StageAsync(Samples.Png);
        await world.Store.DeleteAsync(StorageKeys.Staging(session.Id), LocalWorld.Ct);

        var error = await Assert.ThrowsAsync<StepFailedException>(() => Step.HandleAsync(new UploadRef(session.Id), LocalWorld.Ct));

        Assert.Equal(ErrorNames.NotFound, error.ErrorName);
    }
}
