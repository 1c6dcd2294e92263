using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.Api;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Server.Diagnostics;
using FileUploader.Server.Workflow;
using FileUploader.StateMachine.Service;

namespace FileUploader.Server.Uploads;

/// <summary>
/// What both upload protocols share: the session, the staging key, starting the upload workflow (named after the
/// upload id, so a second start is harmless) and turning its outcome into the answer.
/// </summary>
internal sealed class UploadService(
    IFileCatalog catalog,
    IObjectStore store,
    UploadSessions sessions,
    IStepFunctions stepFunctions,
    WorkflowArns arns,
    ServerOptions options,
    ILogger<UploadService> logger)
{
    public static string StagingKey(string uploadId) => UploadSessions.StagingKey(uploadId);

    public static string? UploadIdFromStagingKey(string key) => UploadSessions.UploadIdFromStagingKey(key);

    /// <summary>The upload execution's ARN, known before it starts (it is named after the upload).</summary>
    public string ExecutionArn(string uploadId) => UploadReconciler.ExecutionArn(arns.Upload, uploadId);

    public Uri ShareUrl(string fileId) => UploadSessions.ShareUrl(options.PublicBaseUrl, fileId);

    public UploadSession NewSession(string uploadId, string fileName, long declaredSize, string? contentType, UploadChoices choices, string deleteToken, UploadStatus status) =>
        sessions.NewSession(uploadId, fileName, declaredSize, contentType, choices, deleteToken, status);

    public Task CreateSessionAsync(UploadSession session, CancellationToken cancellationToken) => sessions.CreateAsync(session, cancellationToken);

    /// <summary>
    /// Runs the upload workflow and waits for it. If the caller goes away the workflow still finishes; only the
    /// waiting stops.
    /// </summary>
    /// <remarks>
    /// A synchronous start: the engine journals the execution's start with its first commit (Validate's completion)
    /// instead of in a transaction of its own, and runs it on this request's flow instead of hopping to the thread
    /// pool. Nothing is acknowledged earlier: the answer waits for the end anyway. A crash before that first commit
    /// leaves a Processing session with staged bytes and no execution, which the reconciler starts again
    /// (<see cref="SessionReconciler"/>); Validate only reads.
    /// </remarks>
    public async Task<UploadView> RunWorkflowAsync(UploadSession session, string? deleteToken, CancellationToken cancellationToken)
    {
        Log.WorkflowStarted(logger);
        var outcome = await stepFunctions.StartSyncExecutionAsync(
            new StartExecutionRequest(arns.Upload, session.Id, WorkflowInput(session).ToJsonString(), TraceParent()),
            cancellationToken);
        if (outcome.Status == "SUCCEEDED" && FromOutput(session, outcome.Output, deleteToken) is { } fromOutput)
        {
            // The workflow's own result: what Validate measured and Presign minted, not read or computed again.
            Log.WorkflowFinished(logger, "Available", null);
            return fromOutput;
        }

        var finished = await catalog.GetUploadAsync(session.Id, CancellationToken.None)
            ?? throw new InvalidOperationException($"The session {session.Id} vanished while its workflow ran.");
        Log.WorkflowFinished(logger, finished.Status.ToString(), finished.Error ?? outcome.Error);

        if (finished.Status == UploadStatus.Available)
        {
            return await ViewAsync(finished, deleteToken, cancellationToken);
        }

        // The workflow failed without recording why (a definition or engine fault): its own error is the answer.
        var error = finished.Error ?? outcome.Error;
        var message = finished.Message ?? outcome.Cause;
        throw FileUploader.Api.ApiErrors.FromErrorName(error, message);
    }

    /// <summary>
    /// The answer from a succeeded execution's output (<c>$.upload</c> from Validate, <c>$.link</c> from Presign);
    /// null when the output lacks a field, and the caller falls back to the catalog.
    /// </summary>
    private UploadView? FromOutput(UploadSession session, string? output, string? deleteToken)
    {
        if (output is null)
        {
            return null;
        }

        // A read-only look at a few fields: JsonDocument parses into pooled memory, where a JsonNode tree would build an
        // object for every value of the whole output (every step's result), on every upload.
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("upload", out var upload) || upload.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("link", out var link) || link.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var fileId = Text(upload, "fileId");
        var fileName = Text(upload, "fileName");
        var size = upload.TryGetProperty("size", out var sizeValue) && sizeValue.ValueKind == JsonValueKind.Number && sizeValue.TryGetInt64(out var bytes)
            ? bytes
            : (long?)null;
        var sha256 = Text(upload, "sha256");
        var contentType = Text(upload, "contentType");
        var downloadUrl = Text(link, "downloadUrl");
        var expiresAtText = Text(link, "expiresAt");
        if (fileId is null || fileName is null || size is null || sha256 is null || contentType is null || downloadUrl is null
            || !DateTimeOffset.TryParse(expiresAtText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var expiresAt))
        {
            return null;
        }

        return new UploadView(session.Id, "available", fileId, fileName, size, sha256, contentType, downloadUrl, ShareUrl(fileId).AbsoluteUri, expiresAt, session.MaxDownloads, deleteToken);
    }

    private static string? Text(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The user's view of a session; the file's fields once it is available.</summary>
    public Task<UploadView> ViewAsync(UploadSession session, string? deleteToken, CancellationToken cancellationToken) =>
        sessions.ViewAsync(session, deleteToken, options.PublicBaseUrl, cancellationToken);

    /// <summary>Removes what a refused or abandoned upload staged; "already gone" is fine.</summary>
    public async Task DiscardStagingAsync(string uploadId)
    {
        try
        {
            await store.DeleteAsync(StagingKey(uploadId), CancellationToken.None);
        }
        catch (StepFailedException)
        {
            // The sweep removes it later; the refusal the caller gets is what matters now.
        }
    }

    /// <summary>The upload execution's input (<c>UploadRef</c>): everything the steps need is in the session, so only the id travels.</summary>
    internal static JsonObject WorkflowInput(UploadSession session) => new()
    {
        ["uploadId"] = session.Id,
    };

    private static string? TraceParent() => Activity.Current?.Id;
}
