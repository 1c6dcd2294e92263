using System.Runtime.CompilerServices;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace FileUploader.Storage.Local;

/// <summary>
/// The catalog in one SQLite file (WAL: readers never wait for the writer). One pooled connection per operation,
/// so concurrent requests need no lock of ours; every check-and-change is a single conditional statement, which
/// SQLite runs atomically. Times are stored as Unix milliseconds (UTC), which compare as numbers.
/// </summary>
public sealed class SqliteFileCatalog : IFileCatalog
{
    private const string FileColumns =
        "id, upload_id, original_file_name, uploaded_at, expires_at, object_key, download_count, size, content_type, " +
        "sha256, status, execution_id, delete_token_hash, max_downloads";

    private const string UploadColumns =
        "id, file_name, declared_size, declared_content_type, created_at, upload_url_expires_at, link_lifetime_ms, " +
        "max_downloads, delete_token_hash, status, file_id, error, message";

    // The pool hands back the same native connection many times, and a PRAGMA's setting lasts as long as that
    // connection: each is configured once, not on every operation (eight per upload).
    private static readonly ConditionalWeakTable<sqlite3, object> Configured = new();
    private static readonly object Marker = new();

    private readonly string connectionString;

    public SqliteFileCatalog(string databasePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            // Microsoft.Data.Sqlite retries SQLITE_BUSY until the command timeout; writers queue instead of failing.
            DefaultTimeout = 30,
        }.ToString();
        CreateSchema();
    }

    public async Task<bool> TryCreateUploadAsync(UploadSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        return await RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                INSERT INTO uploads ({UploadColumns})
                VALUES (@id, @file_name, @declared_size, @declared_content_type, @created_at, @upload_url_expires_at,
                        @link_lifetime_ms, @max_downloads, @delete_token_hash, @status, @file_id, @error, @message)
                ON CONFLICT (id) DO NOTHING
                """;
            command.Parameters.AddWithValue("@id", session.Id);
            command.Parameters.AddWithValue("@file_name", session.FileName);
            command.Parameters.AddWithValue("@declared_size", session.DeclaredSize);
            command.Parameters.AddWithValue("@declared_content_type", (object?)session.DeclaredContentType ?? DBNull.Value);
            command.Parameters.AddWithValue("@created_at", ToMillis(session.CreatedAt));
            command.Parameters.AddWithValue("@upload_url_expires_at", ToMillis(session.UploadUrlExpiresAt));
            command.Parameters.AddWithValue("@link_lifetime_ms", (long)session.LinkLifetime.TotalMilliseconds);
            command.Parameters.AddWithValue("@max_downloads", (object?)session.MaxDownloads ?? DBNull.Value);
            command.Parameters.AddWithValue("@delete_token_hash", session.DeleteTokenHash);
            command.Parameters.AddWithValue("@status", session.Status.ToString());
            command.Parameters.AddWithValue("@file_id", session.FileId);
            command.Parameters.AddWithValue("@error", (object?)session.Error ?? DBNull.Value);
            command.Parameters.AddWithValue("@message", (object?)session.Message ?? DBNull.Value);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);
    }

    public Task<UploadSession?> GetUploadAsync(string uploadId, CancellationToken cancellationToken) =>
        RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {UploadColumns} FROM uploads WHERE id = @id";
            command.Parameters.AddWithValue("@id", uploadId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? ReadUpload(reader) : null;
        }, cancellationToken);

    public Task<bool> TryUpdateUploadStatusAsync(
        string uploadId,
        UploadStatus status,
        IReadOnlyCollection<UploadStatus> expectedStatuses,
        string? fileId,
        string? error,
        string? message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expectedStatuses);
        if (expectedStatuses.Count == 0)
        {
            return Task.FromResult(false);
        }

        return RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            var expected = expectedStatuses.Select((s, i) => (Name: $"@expected{i}", Value: s.ToString())).ToList();
            command.CommandText = $"""
                UPDATE uploads SET status = @status, file_id = COALESCE(@file_id, file_id), error = @error, message = @message
                WHERE id = @id AND status IN ({string.Join(", ", expected.Select(e => e.Name))})
                """;
            command.Parameters.AddWithValue("@id", uploadId);
            command.Parameters.AddWithValue("@status", status.ToString());
            command.Parameters.AddWithValue("@file_id", (object?)fileId ?? DBNull.Value);
            command.Parameters.AddWithValue("@error", (object?)error ?? DBNull.Value);
            command.Parameters.AddWithValue("@message", (object?)message ?? DBNull.Value);
            foreach (var (name, value) in expected)
            {
                command.Parameters.AddWithValue(name, value);
            }

            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);
    }

    public async Task PutFileAsync(FileRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var owner = await RunAsync(async connection =>
        {
            // One statement: insert, or read back who owns the id. RETURNING gives the owner either way.
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                INSERT INTO files ({FileColumns})
                VALUES (@id, @upload_id, @original_file_name, @uploaded_at, @expires_at, @object_key, @download_count, @size,
                        @content_type, @sha256, @status, @execution_id, @delete_token_hash, @max_downloads)
                ON CONFLICT (id) DO UPDATE SET id = id
                RETURNING execution_id
                """;
            command.Parameters.AddWithValue("@id", record.Id);
            command.Parameters.AddWithValue("@upload_id", record.UploadId);
            command.Parameters.AddWithValue("@original_file_name", record.OriginalFileName);
            command.Parameters.AddWithValue("@uploaded_at", ToMillis(record.UploadedAt));
            command.Parameters.AddWithValue("@expires_at", ToMillis(record.ExpiresAt));
            command.Parameters.AddWithValue("@object_key", record.ObjectKey);
            command.Parameters.AddWithValue("@download_count", record.DownloadCount);
            command.Parameters.AddWithValue("@size", record.Size);
            command.Parameters.AddWithValue("@content_type", record.ContentType);
            command.Parameters.AddWithValue("@sha256", record.Sha256);
            command.Parameters.AddWithValue("@status", record.Status.ToString());
            command.Parameters.AddWithValue("@execution_id", record.ExecutionId);
            command.Parameters.AddWithValue("@delete_token_hash", record.DeleteTokenHash);
            command.Parameters.AddWithValue("@max_downloads", (object?)record.MaxDownloads ?? DBNull.Value);
            return (string?)await command.ExecuteScalarAsync(cancellationToken);
        }, cancellationToken);

        if (!string.Equals(owner, record.ExecutionId, StringComparison.Ordinal))
        {
            throw new StepFailedException(
                ErrorNames.Conflict, $"The file '{record.Id}' was recorded by another execution.", retryable: false);
        }
    }

    public Task<FileRecord?> GetFileAsync(string fileId, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadFileAsync(connection, fileId, cancellationToken), cancellationToken);

    public Task<DownloadClaim> TryCountDownloadAsync(string fileId, DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync(async connection =>
        {
            // The whole decision is in the WHERE clause, so concurrent claims cannot both see the last free slot.
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = $"""
                    UPDATE files SET download_count = download_count + 1
                    WHERE id = @id AND status = 'Available' AND expires_at > @now
                      AND (max_downloads IS NULL OR download_count < max_downloads)
                    RETURNING {FileColumns}
                    """;
                command.Parameters.AddWithValue("@id", fileId);
                command.Parameters.AddWithValue("@now", ToMillis(now));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    return new DownloadClaim(DownloadClaimResult.Counted, ReadFile(reader));
                }
            }

            var record = await ReadFileAsync(connection, fileId, cancellationToken);
            var result = record switch
            {
                null => DownloadClaimResult.NotFound,
                { Status: FileStatus.Revoked } => DownloadClaimResult.Revoked,
                { Status: FileStatus.Expired } => DownloadClaimResult.Expired,
                _ when record.ExpiresAt <= now => DownloadClaimResult.Expired,
                _ => DownloadClaimResult.LimitReached,
            };
            return new DownloadClaim(result, record);
        }, cancellationToken);

    public Task<bool> TrySetFileStatusAsync(string fileId, FileStatus status, CancellationToken cancellationToken) =>
        RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE files SET status = @status WHERE id = @id AND status <> @status";
            command.Parameters.AddWithValue("@id", fileId);
            command.Parameters.AddWithValue("@status", status.ToString());
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<bool> DeleteFileAsync(string fileId, CancellationToken cancellationToken) =>
        RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM files WHERE id = @id";
            command.Parameters.AddWithValue("@id", fileId);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    private void CreateSchema()
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS uploads (
                id TEXT PRIMARY KEY,
                file_name TEXT NOT NULL,
                declared_size INTEGER NOT NULL,
                declared_content_type TEXT NULL,
                created_at INTEGER NOT NULL,
                upload_url_expires_at INTEGER NOT NULL,
                link_lifetime_ms INTEGER NOT NULL,
                max_downloads INTEGER NULL,
                delete_token_hash TEXT NOT NULL,
                status TEXT NOT NULL,
                file_id TEXT NOT NULL,
                error TEXT NULL,
                message TEXT NULL
            ) STRICT;
            CREATE TABLE IF NOT EXISTS files (
                id TEXT PRIMARY KEY,
                upload_id TEXT NOT NULL,
                original_file_name TEXT NOT NULL,
                uploaded_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                object_key TEXT NOT NULL,
                download_count INTEGER NOT NULL,
                size INTEGER NOT NULL,
                content_type TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                status TEXT NOT NULL,
                execution_id TEXT NOT NULL,
                delete_token_hash TEXT NOT NULL,
                max_downloads INTEGER NULL
            ) STRICT;
            CREATE INDEX IF NOT EXISTS files_by_expiry ON files (status, expires_at);
            """;
        command.ExecuteNonQuery();
    }

    private async Task<T> RunAsync<T>(Func<SqliteConnection, Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            if (!Configured.TryGetValue(connection.Handle!, out _))
            {
                await using var pragma = connection.CreateCommand();
                // Per connection: wait for a busy writer rather than fail. synchronous=NORMAL in WAL mode keeps every
                // committed write through a process crash (kill -9); only a power loss may drop the last commits, and
                // it avoids an fsync per commit, which small uploads (several commits each) could not afford.
                pragma.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";
                await pragma.ExecuteNonQueryAsync(cancellationToken);
                Configured.AddOrUpdate(connection.Handle!, Marker);
            }

            return await operation(connection);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6 or 10 or 14)
        {
            // BUSY, LOCKED, IOERR, CANTOPEN: worth a retry by the workflow.
            throw new StepFailedException(ErrorNames.StorageUnavailable, $"The catalog is unavailable: {e.Message}", retryable: true, e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 13)
        {
            throw new StepFailedException(ErrorNames.InsufficientStorage, "The catalog's disk is full.", retryable: false, e);
        }
    }

    private static async Task<FileRecord?> ReadFileAsync(SqliteConnection connection, string fileId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {FileColumns} FROM files WHERE id = @id";
        command.Parameters.AddWithValue("@id", fileId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadFile(reader) : null;
    }

    private static FileRecord ReadFile(SqliteDataReader reader) => new(
        Id: reader.GetString(0),
        UploadId: reader.GetString(1),
        OriginalFileName: reader.GetString(2),
        UploadedAt: FromMillis(reader.GetInt64(3)),
        ExpiresAt: FromMillis(reader.GetInt64(4)),
        ObjectKey: reader.GetString(5),
        DownloadCount: reader.GetInt64(6),
        Size: reader.GetInt64(7),
        ContentType: reader.GetString(8),
        Sha256: reader.GetString(9),
        Status: Enum.Parse<FileStatus>(reader.GetString(10)),
        ExecutionId: reader.GetString(11),
        DeleteTokenHash: reader.GetString(12),
        MaxDownloads: reader.IsDBNull(13) ? null : reader.GetInt64(13));

    private static UploadSession ReadUpload(SqliteDataReader reader) => new(
        Id: reader.GetString(0),
        FileName: reader.GetString(1),
        DeclaredSize: reader.GetInt64(2),
        DeclaredContentType: reader.IsDBNull(3) ? null : reader.GetString(3),
        CreatedAt: FromMillis(reader.GetInt64(4)),
        UploadUrlExpiresAt: FromMillis(reader.GetInt64(5)),
        LinkLifetime: TimeSpan.FromMilliseconds(reader.GetInt64(6)),
        MaxDownloads: reader.IsDBNull(7) ? null : reader.GetInt64(7),
        DeleteTokenHash: reader.GetString(8),
        Status: Enum.Parse<UploadStatus>(reader.GetString(9)),
        FileId: reader.GetString(10),
        Error: reader.IsDBNull(11) ? null : reader.GetString(11),
        Message: reader.IsDBNull(12) ? null : reader.GetString(12));

    private static long ToMillis(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMillis(long millis) => DateTimeOffset.FromUnixTimeMilliseconds(millis);
}
