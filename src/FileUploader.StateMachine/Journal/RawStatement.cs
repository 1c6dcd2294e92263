using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace FileUploader.StateMachine.Journal;

/// <summary>
/// One prepared statement driven through SQLitePCLRaw directly, for the journal's hottest insert. A SqliteCommand
/// costs microseconds per run on top of SQLite's own work: it enumerates its statements, binds every parameter through
/// a binder object, creates a data reader and takes and releases a SafeHandle reference per call. Here a run is the
/// bind calls, one step and one reset.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _statement;
    private byte[] _utf8 = new byte[1024];

    public RawStatement(SqliteConnection connection, string sql)
    {
        _connection = connection;
        var rc = raw.sqlite3_prepare_v2(connection.Handle, sql, out _statement);
        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
    }

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, long? value) =>
        Check(value is { } v ? raw.sqlite3_bind_int64(_statement, index, v) : raw.sqlite3_bind_null(_statement, index));

    /// <summary>
    /// As UTF-8, the file's encoding, through a buffer reused by every call (SQLite copies a bound value): .NET's
    /// vectorised encoder is several times faster than SQLite's conversion of UTF-16 text.
    /// </summary>
    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_statement, index));
            return;
        }

        var maxLength = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_utf8.Length < maxLength)
        {
            _utf8 = new byte[Math.Max(maxLength, _utf8.Length * 2)];
        }

        var length = Encoding.UTF8.GetBytes(value, _utf8);
        Check(raw.sqlite3_bind_text(_statement, index, _utf8.AsSpan(0, length)));
    }

    public void Bind(int index, byte[]? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_blob(_statement, index, value));

    /// <summary>Text already in UTF-8 (a run log record's), bound as it is.</summary>
    public void BindUtf8(int index, ReadOnlySpan<byte> utf8) => Check(raw.sqlite3_bind_text(_statement, index, utf8));

    public void BindBlob(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_blob(_statement, index, value));

    public void BindNull(int index) => Check(raw.sqlite3_bind_null(_statement, index));

    /// <summary>Runs the statement to its end and makes it ready for the next bindings.</summary>
    public void Execute()
    {
        var rc = raw.sqlite3_step(_statement);

        // Reset whatever happened: a statement left mid-step would hold the transaction open.
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
}
