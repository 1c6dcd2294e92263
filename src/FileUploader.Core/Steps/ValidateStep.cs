using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using FileUploader.Core.Validation;

namespace FileUploader.Core.Steps;

/// <summary>
/// Decides whether a staged upload may be published: size bounds, declared size against the bytes that arrived, a
/// usable file name, the first bytes against the declared type, and the deny-list. It reports every problem at
/// once (an uploader fixes them in one go) as <see cref="ErrorNames.UploadRejected"/>, which is never retried.
/// Reads only, so running it twice is harmless.
/// </summary>
[Step("Validate")]
public sealed class ValidateStep(IFileCatalog catalog, IObjectStore store, UploadPolicy policy) : IStep<UploadRef, ValidatedUpload>
{
    public async Task<ValidatedUpload> HandleAsync(UploadRef input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var session = await catalog.GetUploadAsync(input.UploadId, cancellationToken)
            ?? throw new StepFailedException(ErrorNames.NotFound, $"There is no upload '{input.UploadId}'.");
        var stagingKey = StorageKeys.Staging(input.UploadId);
        // The metadata and the bytes to sniff in one look: one open of the staged object where the store allows it.
        var preview = await store.PreviewAsync(stagingKey, ContentTypes.SniffLength, cancellationToken);
        if (preview is null)
        {
            // Promoted already: a second execution of the same upload (a duplicated start) found the first one's work.
            // Conflict tells the compensations and FailUpload that this upload belongs to that other execution.
            throw await store.HeadAsync(StorageKeys.File(session.FileId), cancellationToken) is null
                ? new StepFailedException(ErrorNames.NotFound, $"The bytes of upload '{input.UploadId}' have not arrived.")
                : new StepFailedException(ErrorNames.Conflict, $"The upload '{input.UploadId}' is being published by another execution.");
        }

        var staged = preview.Object;
        var problems = new List<string>();
        if (staged.Size < policy.MinBytes)
        {
            problems.Add(staged.Size == 0 ? "The file is empty." : $"The file has {staged.Size} bytes; the minimum is {policy.MinBytes}.");
        }

        if (staged.Size > policy.MaxBytes)
        {
            problems.Add($"The file has {staged.Size} bytes; the maximum is {policy.MaxBytes}.");
        }

        if (session.DeclaredSize != staged.Size)
        {
            problems.Add($"The upload declared {session.DeclaredSize} bytes but {staged.Size} arrived.");
        }

        var fileName = FileNames.Sanitize(session.FileName, out var nameProblem);
        if (nameProblem is not null)
        {
            problems.Add(nameProblem);
        }

        var declared = ContentTypes.Normalize(session.DeclaredContentType);
        if (declared is null && !string.IsNullOrWhiteSpace(session.DeclaredContentType))
        {
            problems.Add("The declared content type is not a valid media type.");
        }

        var sniffed = ContentTypes.Sniff(preview.FirstBytes);
        if (ContentTypes.Contradiction(declared, sniffed) is { } contradiction)
        {
            problems.Add(contradiction);
        }

        foreach (var type in new[] { declared, declared is null ? null : ContentTypes.Canonical(declared), sniffed }.Distinct())
        {
            if (type is not null && policy.DeniedContentTypes.Contains(type))
            {
                problems.Add($"Files of type {type} are not accepted.");
                break;
            }
        }

        if (problems.Count > 0)
        {
            throw new StepFailedException(ErrorNames.UploadRejected, string.Join(" ", problems));
        }

        var contentType = declared is null or ContentTypes.OctetStream ? sniffed ?? ContentTypes.OctetStream : declared;
        return new ValidatedUpload(session.Id, session.FileId, fileName!, staged.Size, contentType, staged.Sha256);
    }
}
