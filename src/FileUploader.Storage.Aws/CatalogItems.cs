using System.Globalization;
using Amazon.DynamoDBv2.Model;
using FileUploader.Core.Domain;

namespace FileUploader.Storage.Aws;

/// <summary>
/// How sessions and file records look in the single DynamoDB table. The partition key <c>id</c> is prefixed by the
/// item type (<c>upload#…</c>, <c>file#…</c>) so the two kinds never collide; <c>type</c> says the same for humans
/// and exports. Times are fixed-width ISO-8601 UTC strings with 100 ns digits: exact round trips, and ordered as
/// text, so condition expressions compare them with <c>&lt;</c>. <c>ttl</c> is epoch seconds, the table's TTL
/// backstop (DynamoDB deletes expired items within about two days; reads never rely on it).
/// </summary>
internal static class CatalogItems
{
    public const string Id = "id";
    public const string Type = "type";
    public const string Ttl = "ttl";
    public const string Status = "status";
    public const string ExecutionId = "executionId";
    public const string ExpiresAt = "expiresAt";
    public const string DownloadCount = "downloadCount";
    public const string MaxDownloads = "maxDownloads";
    public const string FileId = "fileId";
    public const string Error = "error";
    public const string Message = "message";

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    /// <summary>How long a session outlives its link: GET /uploads/{id} keeps answering for a day after.</summary>
    private static readonly TimeSpan SessionGrace = TimeSpan.FromDays(1);

    public static string FileKey(string fileId) => "file#" + fileId;

    public static string UploadKey(string uploadId) => "upload#" + uploadId;

    public static Dictionary<string, AttributeValue> Key(string id) => new() { [Id] = S(id) };

    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static Dictionary<string, AttributeValue> ToItem(FileRecord record)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [Id] = S(FileKey(record.Id)),
            [Type] = S("file"),
            ["fileId"] = S(record.Id),
            ["uploadId"] = S(record.UploadId),
            ["originalFileName"] = S(record.OriginalFileName),
            ["uploadedAt"] = S(Time(record.UploadedAt)),
            [ExpiresAt] = S(Time(record.ExpiresAt)),
            ["objectKey"] = S(record.ObjectKey),
            [DownloadCount] = N(record.DownloadCount),
            ["size"] = N(record.Size),
            ["contentType"] = S(record.ContentType),
            ["sha256"] = S(record.Sha256),
            [Status] = S(record.Status.ToString()),
            [ExecutionId] = S(record.ExecutionId),
            ["deleteTokenHash"] = S(record.DeleteTokenHash),
            [Ttl] = N(record.ExpiresAt.ToUnixTimeSeconds()),
        };
        if (record.MaxDownloads is { } max)
        {
            item[MaxDownloads] = N(max);
        }

        return item;
    }

    public static FileRecord ToFileRecord(Dictionary<string, AttributeValue> item) => new(
        Id: Str(item, "fileId"),
        UploadId: Str(item, "uploadId"),
        OriginalFileName: Str(item, "originalFileName"),
        UploadedAt: ParseTime(Str(item, "uploadedAt")),
        ExpiresAt: ParseTime(Str(item, ExpiresAt)),
        ObjectKey: Str(item, "objectKey"),
        DownloadCount: Num(item, DownloadCount),
        Size: Num(item, "size"),
        ContentType: Str(item, "contentType"),
        Sha256: Str(item, "sha256"),
        Status: Enum.Parse<FileStatus>(Str(item, Status)),
        ExecutionId: Str(item, ExecutionId),
        DeleteTokenHash: Str(item, "deleteTokenHash"),
        MaxDownloads: item.ContainsKey(MaxDownloads) ? Num(item, MaxDownloads) : null);

    public static Dictionary<string, AttributeValue> ToItem(UploadSession session)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [Id] = S(UploadKey(session.Id)),
            [Type] = S("upload"),
            ["uploadId"] = S(session.Id),
            ["fileName"] = S(session.FileName),
            ["declaredSize"] = N(session.DeclaredSize),
            ["createdAt"] = S(Time(session.CreatedAt)),
            ["uploadUrlExpiresAt"] = S(Time(session.UploadUrlExpiresAt)),
            ["linkLifetimeTicks"] = N(session.LinkLifetime.Ticks),
            ["deleteTokenHash"] = S(session.DeleteTokenHash),
            [Status] = S(session.Status.ToString()),
            [Ttl] = N(SessionTtl(session).ToUnixTimeSeconds()),
        };
        SetOptional(item, "declaredContentType", session.DeclaredContentType);
        item[FileId] = S(session.FileId);
        SetOptional(item, Error, session.Error);
        SetOptional(item, Message, session.Message);
        if (session.MaxDownloads is { } max)
        {
            item[MaxDownloads] = N(max);
        }

        return item;
    }

    public static UploadSession ToUploadSession(Dictionary<string, AttributeValue> item) => new(
        Id: Str(item, "uploadId"),
        FileName: Str(item, "fileName"),
        DeclaredSize: Num(item, "declaredSize"),
        DeclaredContentType: OptionalStr(item, "declaredContentType"),
        CreatedAt: ParseTime(Str(item, "createdAt")),
        UploadUrlExpiresAt: ParseTime(Str(item, "uploadUrlExpiresAt")),
        LinkLifetime: TimeSpan.FromTicks(Num(item, "linkLifetimeTicks")),
        MaxDownloads: item.ContainsKey(MaxDownloads) ? Num(item, MaxDownloads) : null,
        DeleteTokenHash: Str(item, "deleteTokenHash"),
        Status: Enum.Parse<UploadStatus>(Str(item, Status)),
        FileId: Str(item, FileId),
        Error: OptionalStr(item, Error),
        Message: OptionalStr(item, Message));

    /// <summary>A session is kept until its file could have expired, plus a day, then TTL may take it.</summary>
    private static DateTimeOffset SessionTtl(UploadSession session)
    {
        var end = session.UploadUrlExpiresAt > session.CreatedAt ? session.UploadUrlExpiresAt : session.CreatedAt;
        return end + session.LinkLifetime + SessionGrace;
    }

    private static void SetOptional(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (value is not null)
        {
            item[name] = S(value);
        }
    }

    private static string Str(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.S is not null
            ? value.S
            : throw new InvalidDataException($"Catalog item {item.GetValueOrDefault(Id)?.S} has no '{name}'.");

    private static string? OptionalStr(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    private static long Num(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is not null
            ? long.Parse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : throw new InvalidDataException($"Catalog item {item.GetValueOrDefault(Id)?.S} has no '{name}'.");

    private static DateTimeOffset ParseTime(string value) =>
        new(DateTime.ParseExact(value, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);
}
