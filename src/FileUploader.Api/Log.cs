using Microsoft.Extensions.Logging;

namespace FileUploader.Api;

/// <summary>
/// The shared API handling's log lines. EventIds 6000–6099 belong to FileUploader.Api; next free id: 6007.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(6000, LogLevel.Information, "Download of {FileId} counted ({DownloadCount})")]
    public static partial void DownloadCounted(ILogger logger, string fileId, long downloadCount);

    [LoggerMessage(6001, LogLevel.Information, "File {FileId} revoked by its owner")]
    public static partial void FileRevoked(ILogger logger, string fileId);

    [LoggerMessage(6002, LogLevel.Information, "Preview of {FileId} served to {UserAgent} without counting")]
    public static partial void PreviewServed(ILogger logger, string fileId, string userAgent);

    [LoggerMessage(6003, LogLevel.Information, "Upload {UploadId} was interrupted before its workflow started; marked failed")]
    public static partial void InterruptedUploadFailed(ILogger logger, string uploadId);

    [LoggerMessage(6004, LogLevel.Information, "Staged upload {UploadId} resumed: bytes complete, workflow never started")]
    public static partial void ResumedStagedUpload(ILogger logger, string uploadId);

    [LoggerMessage(6005, LogLevel.Information, "Upload {UploadId} initiated ({Size} bytes announced)")]
    public static partial void UploadInitiated(ILogger logger, string uploadId, long size);

    [LoggerMessage(6006, LogLevel.Information, "Download of {FileId} redirected to a pre-signed GET valid until {ValidUntil}")]
    public static partial void DownloadRedirected(ILogger logger, string fileId, DateTimeOffset validUntil);
}
