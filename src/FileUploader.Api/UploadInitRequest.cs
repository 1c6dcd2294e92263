using System.Text.Json;
using FileUploader.Core.Domain;
using FileUploader.Core.Validation;

namespace FileUploader.Api;

/// <summary>
/// The body of <c>POST /uploads</c>, read field by field so that the answer names every problem at once
/// (missing name, negative size…) instead of one serializer exception.
/// </summary>
public sealed record UploadInitRequest(string FileName, long Size, string? ContentType, UploadChoices Choices)
{
    private const int MaxContentTypeLength = 255;

    public static UploadInitRequest Parse(string? contentType, ReadOnlyMemory<byte> body, ApiSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (contentType is null || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(HttpStatus.UnsupportedMediaType, ApiErrorNames.BadRequest, "Send the upload's description as application/json.");
        }

        if (body.Length > ApiSettings.JsonBodyMaxBytes)
        {
            throw ApiException.TooLarge($"The description is {body.Length} bytes; at most {ApiSettings.JsonBodyMaxBytes} are read.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            throw ApiException.BadRequest("The body is not valid JSON.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw ApiException.BadRequest("The body must be a JSON object: {\"fileName\": ..., \"size\": ...}.");
            }

            var problems = new List<string>();
            var fileName = root.TryGetProperty("fileName", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
            if (fileName is null)
            {
                problems.Add("fileName is required and must be a string.");
            }

            long size = -1;
            if (!root.TryGetProperty("size", out var sizeElement) || sizeElement.ValueKind != JsonValueKind.Number || !sizeElement.TryGetInt64(out size))
            {
                problems.Add("size is required and must be a whole number of bytes.");
            }
            else if (size < 0)
            {
                problems.Add("size cannot be negative.");
            }

            string? declaredType = null;
            if (root.TryGetProperty("contentType", out var typeElement) && typeElement.ValueKind != JsonValueKind.Null)
            {
                declaredType = typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString() : null;
                if (declaredType is null || declaredType.Length > MaxContentTypeLength || declaredType.Any(char.IsControl))
                {
                    problems.Add("contentType must be a media type such as text/plain.");
                }
            }

            var expiresIn = Number(root, "expiresIn");
            var maxDownloads = Number(root, "maxDownloads");
            if (problems.Count > 0)
            {
                throw ApiException.BadRequest(string.Join(" ", problems));
            }

            // The same name rule Validate applies, checked now so a client learns before it sends any bytes.
            if (FileNames.Sanitize(fileName, out var nameProblem) is null)
            {
                throw new ApiException(HttpStatus.BadRequest, ErrorNames.UploadRejected, nameProblem ?? "The file name is not acceptable.");
            }

            if (size == 0)
            {
                throw new ApiException(HttpStatus.BadRequest, ErrorNames.UploadRejected, "The file is empty.");
            }

            if (size > settings.MaxUploadBytes)
            {
                throw ApiException.TooLarge($"size is {size} bytes; this server accepts at most {settings.MaxUploadBytes}.");
            }

            var choices = UploadChoices.From(expiresIn, maxDownloads, settings);
            return new UploadInitRequest(fileName!, size, string.IsNullOrWhiteSpace(declaredType) ? null : declaredType, choices);
        }
    }

    private static ParsedNumber Number(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return ParsedNumber.Absent;
        }

        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var value)
            ? new ParsedNumber(value, Invalid: false)
            : new ParsedNumber(null, Invalid: true);
    }
}
