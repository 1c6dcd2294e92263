using System.Text.Json;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;

namespace FileUploader.Core.Steps;

/// <summary>The last state of a successful upload: the session becomes Available with its file. Idempotent.</summary>
[Step("FinishUpload")]
public sealed class FinishUploadStep(IFileCatalog catalog) : IStep<FinishUploadInput, UploadOutcome>
{
    public async Task<UploadOutcome> HandleAsync(FinishUploadInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (await catalog.TryUpdateUploadStatusAsync(
            input.UploadId, UploadStatus.Available, [UploadStatus.Pending, UploadStatus.Processing], input.FileId, null, null, cancellationToken))
        {
            // This call made it Available, with exactly these values: no need to read the session back.
            return new UploadOutcome(input.UploadId, input.FileId, "available", Error: null, Message: null);
        }

        // Settled before (a re-run, or another execution): what the session says now is the answer.
        var session = await catalog.GetUploadAsync(input.UploadId, cancellationToken)
            ?? throw new StepFailedException(ErrorNames.NotFound, $"There is no upload '{input.UploadId}'.");
        if (session.Status != UploadStatus.Available)
        {
            throw new StepFailedException(
                ErrorNames.Conflict, $"The upload '{input.UploadId}' is {session.Status.ToString().ToLowerInvariant()} and cannot become available.");
        }

        return UploadOutcomes.From(session);
    }
}

/// <summary>
/// The last state of a failed upload, after compensation: the session becomes Rejected (the user's input was
/// refused) or Failed (anything else), with the error name and a message the user can read. Idempotent.
/// A Conflict while another execution's record or promoted bytes exist means a duplicate execution lost to the one
/// that publishes the upload: the session is that execution's to settle, so it is left alone.
/// </summary>
[Step("FailUpload")]
public sealed class FailUploadStep(IFileCatalog catalog, IObjectStore store) : IStep<FailUploadInput, UploadOutcome>
{
    public async Task<UploadOutcome> HandleAsync(FailUploadInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Error == ErrorNames.Conflict && await catalog.GetUploadAsync(input.UploadId, cancellationToken) is { } current
            && await PublishedElsewhereAsync(current.FileId, cancellationToken))
        {
            return UploadOutcomes.From(current);
        }

        var status = input.Error == ErrorNames.UploadRejected ? UploadStatus.Rejected : UploadStatus.Failed;
        await catalog.TryUpdateUploadStatusAsync(
            input.UploadId, status, [UploadStatus.Pending, UploadStatus.Processing], null, input.Error, MessageOf(input.Cause), cancellationToken);
        var session = await catalog.GetUploadAsync(input.UploadId, cancellationToken)
            ?? throw new StepFailedException(ErrorNames.NotFound, $"There is no upload '{input.UploadId}'.");
        return UploadOutcomes.From(session);
    }

    // This execution's own record and object were removed by the compensations before FailUpload; what is left
    // belongs to the other execution.
    private async Task<bool> PublishedElsewhereAsync(string fileId, CancellationToken cancellationToken) =>
        await catalog.GetFileAsync(fileId, cancellationToken) is not null
        || await store.HeadAsync(StorageKeys.File(fileId), cancellationToken) is not null;

    /// <summary>
    /// A Lambda failure's Cause is a JSON document (<c>{"errorMessage", "errorType", …}</c>); the local engine's is
    /// the message itself. Either way the user sees the message.
    /// </summary>
    internal static string? MessageOf(string? cause)
    {
        if (string.IsNullOrWhiteSpace(cause) || !cause.TrimStart().StartsWith('{'))
        {
            return cause;
        }

        try
        {
            using var document = JsonDocument.Parse(cause);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("errorMessage", out var message)
                && message.ValueKind == JsonValueKind.String
                ? message.GetString()
                : cause;
        }
        catch (JsonException)
        {
            return cause;
        }
    }
}

internal static class UploadOutcomes
{
    public static UploadOutcome From(UploadSession session) => new(
        session.Id, session.FileId, session.Status.ToString().ToLowerInvariant(), session.Error, session.Message);
}
