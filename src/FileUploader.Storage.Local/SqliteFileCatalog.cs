using System.Collections.Concurrent;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using Microsoft.Data.Sqlite;

namespace FileUploader.Storage.Local;

/// <summary>
/// The catalog in one SQLite file (WAL: readers never wait for the writer). Every check-and-change is a single
/// conditional statement, which SQLite runs atomically. Times are stored as Unix milliseconds (UTC), which compare as
/// numbers.
/// <para>
/// Connections stay open with their statements prepared (<see cref="CatalogConnection"/>): parsing the SQL and
/// opening a connection cost more than running these one-row statements. Writes go through one connection, one at a
/// time: SQLite takes one writer at a time anyway, and a writer that finds the lock taken sleeps in SQLite's busy
/// handler (a millisecond and more) instead of queueing for the few microseconds a write takes here. Reads use a small
/// pool of connections of their own. Another process on the same file is still waited for by the busy timeout.
/// </para>
/// <para>
/// The catalog of a server that holds its data folder's <see cref="DataFolderLock"/> is the file's only user, so it
/// runs on that one connection alone, reads included, in SQLite's exclusive locking mode: no file lock is taken and
/// released around every statement (about four <c>fcntl</c> calls each) and no other connection's cache goes stale.
/// Nothing else can open the file while it runs; the lock is released when the catalog is disposed or the process
/// dies.
/// </para>
/// </summary>
public sealed class SqliteFileCatalog : IFileCatalog, IDisposable
{
    private const string FileColumns =
        "id, upload_id, original_file_name, uploaded_at, expires_at, object_key, download_count, size, content_type, " +
        "sha256, status, execution_id, delete_token_hash, max_downloads";

    private const string UploadColumns =
        "id, file_name, declared_size, declared_content_type, created_at, upload_url_expires_at, link_lifetime_ms, " +
        "max_downloads, delete_token_hash, status, file_id, error, message";

    private const string InsertUpload = $"""
        INSERT INTO uploads ({UploadColumns})
        VALUES (@id, @file_name, @declared_size, @declared_content_type, @created_at, @upload_url_expires_at,
                @link_lifetime_ms, @max_downloads, @delete_token_hash, @status, @file_id, @error, @message)
        ON CONFLICT (id) DO NOTHING
        """;

    private const string SelectUpload = $"SELECT {UploadColumns} FROM uploads WHERE id = @id";

    // One statement: insert, or read back who owns the id. RETURNING gives the owner either way.
    private const string InsertFile = $"""
        INSERT INTO files ({FileColumns})
        VALUES (@id, @upload_id, @original_file_name, @uploaded_at, @expires_at, @object_key, @download_count, @size,
                @content_type, @sha256, @status, @execution_id, @delete_token_hash, @max_downloads)
        ON CONFLICT (id) DO UPDATE SET id = id
        RETURNING execution_id
        """;

    private const string SelectFile = $"SELECT {FileColumns} FROM files WHERE id = @id";

    // The whole decision is in the WHERE clause, so concurrent claims cannot both see the last free slot.
    private const string CountDownload = $"""
        UPDATE files SET download_count = download_count + 1
        WHERE id = @id AND status = 'Available' AND expires_at > @now
          AND (max_downloads IS NULL OR download_count < max_downloads)
        RETURNING {FileColumns}
        """;

    private const string SetFileStatus = "UPDATE files SET status = @status WHERE id = @id AND status <> @status";

    private const string DeleteFile = "DELETE FROM files WHERE id = @id";

    /// <summary>
    /// WAL pages after which the writer's commit also checkpoints (SQLite's default is 1,000). A checkpoint copies
    /// pages into the database and fsyncs twice while writes wait for it; a page rewritten many times between two
    /// checkpoints is copied once. About 16 MiB of log; readers never checkpoint.
    /// </summary>
    internal const int CheckpointAfterWalPages = 4096;

    // Enough for the requests that read at the same moment; a burst beyond it opens (and then closes) a few more.
    private const int MaxIdleReaders = 16;

    private static readonly UploadStatus[] AllUploadStatuses = Enum.GetValues<UploadStatus>();

    // One place per status a session can be in; the unused ones hold NULL, which matches nothing. One fixed text, so
    // the statement is prepared once whatever the caller expects.
    private static readonly string[] ExpectedParameters = [.. AllUploadStatuses.Select((_, i) => $"@expected{i}")];

    private static readonly string UpdateUploadStatus = $"""
        UPDATE uploads SET status = @status, file_id = COALESCE(@file_id, file_id), error = @error, message = @message
        WHERE id = @id AND status IN ({string.Join(", ", ExpectedParameters)})
        """;

    private readonly string connectionString;
    private readonly bool exclusive;
    private readonly Lock writeGate = new();
    private readonly ConcurrentBag<CatalogConnection> idleReaders = [];
    private CatalogConnection? writer; // guarded by writeGate
    private int idleReaderCount;
    private volatile bool disposed;

    /// <summary>A catalog that may share its file with other instances or processes.</summary>
    public SqliteFileCatalog(string databasePath)
        : this(databasePath, exclusive: false)
    {
    }

    /// <summary>
    /// The catalog of a server holding <paramref name="folderLock"/>: nothing else of ours can use a file inside that
    /// folder, so this instance holds the file exclusively (see the class remarks).
    /// </summary>
    public SqliteFileCatalog(string databasePath, DataFolderLock folderLock)
        : this(databasePath, exclusive: IsInside(databasePath, folderLock))
    {
    }

    private SqliteFileCatalog(string databasePath, bool exclusive)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        this.exclusive = exclusive;
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
            // This class keeps its own connections open, with their prepared statements; closing one really closes it.
            Pooling = false,
            // Microsoft.Data.Sqlite retries SQLITE_BUSY until the command timeout; writers queue instead of failing.
            DefaultTimeout = 30,
        }.ToString();
        CreateSchema();
    }

    public Task<bool> TryCreateUploadAsync(UploadSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Write(connection =>
        {
            var command = connection.Command(InsertUpload);
            Set(command, "@id", session.Id);
            Set(command, "@file_name", session.FileName);
            Set(command, "@declared_size", session.DeclaredSize);
            Set(command, "@declared_content_type", session.DeclaredContentType);
            Set(command, "@created_at", ToMillis(session.CreatedAt));
            Set(command, "@upload_url_expires_at", ToMillis(session.UploadUrlExpiresAt));
            Set(command, "@link_lifetime_ms", (long)session.LinkLifetime.TotalMilliseconds);
            Set(command, "@max_downloads", session.MaxDownloads);
            Set(command, "@delete_token_hash", session.DeleteTokenHash);
            Set(command, "@status", session.Status.ToString());
            Set(command, "@file_id", session.FileId);
            Set(command, "@error", session.Error);
            Set(command, "@message", session.Message);
            return command.ExecuteNonQuery() == 1;
        }, cancellationToken);
    }

    public Task<UploadSession?> GetUploadAsync(string uploadId, CancellationToken cancellationToken) =>
        Read(connection =>
        {
            var command = connection.Command(SelectUpload);
            Set(command, "@id", uploadId);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadUpload(reader) : null;
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

        return Write(connection =>
        {
            var command = connection.Command(UpdateUploadStatus);
            Set(command, "@id", uploadId);
            Set(command, "@status", status.ToString());
            Set(command, "@file_id", fileId);
            Set(command, "@error", error);
            Set(command, "@message", message);
            for (var i = 0; i < AllUploadStatuses.Length; i++)
            {
                var candidate = AllUploadStatuses[i];
                Set(command, ExpectedParameters[i], expectedStatuses.Contains(candidate) ? candidate.ToString() : null);
            }

            return command.ExecuteNonQuery() == 1;
        }, cancellationToken);
    }

    public async Task PutFileAsync(FileRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var owner = await Write(connection =>
        {
            var command = connection.Command(InsertFile);
            Set(command, "@id", record.Id);
            Set(command, "@upload_id", record.UploadId);
            Set(command, "@original_file_name", record.OriginalFileName);
            Set(command, "@uploaded_at", ToMillis(record.UploadedAt));
            Set(command, "@expires_at", ToMillis(record.ExpiresAt));
            Set(command, "@object_key", record.ObjectKey);
            Set(command, "@download_count", record.DownloadCount);
            Set(command, "@size", record.Size);
            Set(command, "@content_type", record.ContentType);
            Set(command, "@sha256", record.Sha256);
            Set(command, "@status", record.Status.ToString());
            Set(command, "@execution_id", record.ExecutionId);
            Set(command, "@delete_token_hash", record.DeleteTokenHash);
            Set(command, "@max_downloads", record.MaxDownloads);
            return (string?)command.ExecuteScalar();
        }, cancellationToken);

        if (!string.Equals(owner, record.ExecutionId, StringComparison.Ordinal))
        {
            throw new StepFailedException(
                ErrorNames.Conflict, $"The file '{record.Id}' was recorded by another execution.", retryable: false);
        }
    }

    public Task<FileRecord?> GetFileAsync(string fileId, CancellationToken cancellationToken) =>
        Read(connection => ReadFile(connection, fileId), cancellationToken);

    public Task<DownloadClaim> TryCountDownloadAsync(string fileId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Write(connection =>
        {
            var command = connection.Command(CountDownload);
            Set(command, "@id", fileId);
            Set(command, "@now", ToMillis(now));
            using (var reader = command.ExecuteReader())
            {
                if (reader.Read())
                {
                    return new DownloadClaim(DownloadClaimResult.Counted, ReadFile(reader));
                }
            }

            var record = ReadFile(connection, fileId);
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
        Write(connection =>
        {
            var command = connection.Command(SetFileStatus);
            Set(command, "@id", fileId);
            Set(command, "@status", status.ToString());
            return command.ExecuteNonQuery() == 1;
        }, cancellationToken);

    public Task<bool> DeleteFileAsync(string fileId, CancellationToken cancellationToken) =>
        Write(connection =>
        {
            var command = connection.Command(DeleteFile);
            Set(command, "@id", fileId);
            return command.ExecuteNonQuery() == 1;
        }, cancellationToken);

    /// <summary>
    /// Closes the open connections. The catalog keeps working afterwards, one connection per operation (a workflow
    /// step still running while the host shuts down must not fail because of it); it just keeps nothing open.
    /// </summary>
    public void Dispose()
    {
        disposed = true;
        lock (writeGate)
        {
            writer?.Dispose();
            writer = null;
        }

        while (idleReaders.TryTake(out var reader))
        {
            Interlocked.Decrement(ref idleReaderCount);
            reader.Dispose();
        }
    }

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

    /// <summary>Runs a write on the one writer connection, one at a time. The statements are synchronous: SQLite has no async I/O.</summary>
    private Task<T> Write<T>(Func<CatalogConnection, T> operation, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        try
        {
            lock (writeGate)
            {
                writer ??= new CatalogConnection(connectionString, CheckpointAfterWalPages, exclusive);
                try
                {
                    return Task.FromResult(operation(writer));
                }
                catch
                {
                    // Whatever state a failed statement left behind goes with its connection; the next write opens another.
                    writer.Dispose();
                    writer = null;
                    throw;
                }
                finally
                {
                    if (disposed)
                    {
                        writer?.Dispose();
                        writer = null;
                    }
                }
            }
        }
        catch (Exception e)
        {
            return Task.FromException<T>(Classify(e));
        }
    }

    /// <summary>
    /// Runs a read on a pooled reader connection (WAL: it sees every committed write and never blocks one); on the
    /// one connection when the file is held exclusively.
    /// </summary>
    private Task<T> Read<T>(Func<CatalogConnection, T> operation, CancellationToken cancellationToken)
    {
        if (exclusive)
        {
            return Write(operation, cancellationToken);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        CatalogConnection? connection = null;
        try
        {
            if (idleReaders.TryTake(out connection))
            {
                Interlocked.Decrement(ref idleReaderCount);
            }
            else
            {
                connection = new CatalogConnection(connectionString, checkpointAfterWalPages: 0, exclusive: false);
            }

            var result = operation(connection);
            if (disposed || Interlocked.Increment(ref idleReaderCount) > MaxIdleReaders)
            {
                Interlocked.Decrement(ref idleReaderCount);
                connection.Dispose();
            }
            else
            {
                idleReaders.Add(connection);
            }

            return Task.FromResult(result);
        }
        catch (Exception e)
        {
            connection?.Dispose();
            return Task.FromException<T>(Classify(e));
        }
    }

    private static bool IsInside(string databasePath, DataFolderLock folderLock)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        ArgumentNullException.ThrowIfNull(folderLock);
        var locked = folderLock.DataDirectory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return Path.GetFullPath(databasePath).StartsWith(locked, StringComparison.Ordinal)
            ? true
            : throw new ArgumentException($"The catalog {databasePath} is not inside the locked data folder {folderLock.DataDirectory}.", nameof(folderLock));
    }

    private static Exception Classify(Exception e) => e switch
    {
        // BUSY, LOCKED, IOERR, CANTOPEN: worth a retry by the workflow.
        SqliteException { SqliteErrorCode: 5 or 6 or 10 or 14 } =>
            new StepFailedException(ErrorNames.StorageUnavailable, $"The catalog is unavailable: {e.Message}", retryable: true, e),
        SqliteException { SqliteErrorCode: 13 } =>
            new StepFailedException(ErrorNames.InsufficientStorage, "The catalog's disk is full.", retryable: false, e),
        _ => e,
    };

    private static FileRecord? ReadFile(CatalogConnection connection, string fileId)
    {
        var command = connection.Command(SelectFile);
        Set(command, "@id", fileId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadFile(reader) : null;
    }

    private static void Set(SqliteCommand command, string name, object? value) =>
        command.Parameters[name].Value = value ?? DBNull.Value;

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
