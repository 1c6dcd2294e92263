using System.Text.Json.Serialization;

namespace FileUploader.Cli.Api;

// The HTTP API's shapes, as the server and the AWS deployment send them (camelCase JSON).

internal sealed record CreateUploadRequest(string FileName, long Size, string? ContentType, long? ExpiresIn, long? MaxDownloads);

internal sealed record CreateUploadResponse(
    string UploadId,
    string UploadUrl,
    string? Method,
    Dictionary<string, string>? Fields,
    DateTimeOffset? ExpiresAt,
    string? DeleteToken);

/// <summary>Both <c>GET /uploads/{id}</c> and the final answer of <c>POST /upload</c>; fields appear as they apply.</summary>
internal sealed record UploadStatusResponse(
    string? UploadId,
    string? Status,
    string? FileId,
    string? FileName,
    long? Size,
    string? Sha256,
    string? ContentType,
    string? DownloadUrl,
    string? ShareUrl,
    DateTimeOffset? ExpiresAt,
    string? DeleteToken,
    string? Error,
    string? Message);

internal sealed record FileInfoResponse(
    string? FileId,
    string? FileName,
    long? Size,
    string? Sha256,
    string? ContentType,
    DateTimeOffset? UploadedAt,
    DateTimeOffset? ExpiresAt,
    long? DownloadCount,
    long? MaxDownloads,
    string? Status);

internal sealed record ApiError(string? Error, string? Message);

/// <summary>What <c>upload --json</c> prints for each file: stable field names scripts can rely on.</summary>
internal sealed record UploadResult(
    string File,
    string FileId,
    string FileName,
    long Size,
    string Sha256,
    string ShareUrl,
    string DownloadUrl,
    DateTimeOffset ExpiresAt,
    string? DeleteToken);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(CreateUploadRequest))]
[JsonSerializable(typeof(CreateUploadResponse))]
[JsonSerializable(typeof(UploadStatusResponse))]
[JsonSerializable(typeof(FileInfoResponse))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(List<UploadResult>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
