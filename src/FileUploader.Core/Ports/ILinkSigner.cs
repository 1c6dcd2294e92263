namespace FileUploader.Core.Ports;

/// <summary>
/// Mints links that stop working at a given time: HMAC-signed URLs to the local server, or S3 SigV4 pre-signed
/// URLs in AWS. Expiry is always absolute, and a link never outlives the file it points at.
/// </summary>
public interface ILinkSigner
{
    /// <summary>A direct GET link to the object, served as an attachment named <paramref name="fileName"/>.</summary>
    Uri CreateDownloadUrl(string objectKey, string fileName, DateTimeOffset expiresAt);

    /// <summary>
    /// Where and how a client sends the bytes of an announced upload: a signed single-use PUT locally; a pre-signed
    /// S3 POST (policy with <c>content-length-range</c> up to <paramref name="maxBytes"/>) in AWS.
    /// </summary>
    UploadTarget CreateUploadTarget(string stagingKey, long maxBytes, string contentType, DateTimeOffset expiresAt);
}

/// <param name="Method"><c>PUT</c> (body is the bytes) or <c>POST</c> (multipart form: <paramref name="Fields"/>, then <c>file</c>).</param>
public sealed record UploadTarget(Uri Url, string Method, IReadOnlyDictionary<string, string> Fields);
