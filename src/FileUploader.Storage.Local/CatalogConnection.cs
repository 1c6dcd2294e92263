using Microsoft.Data.Sqlite;

namespace FileUploader.Storage.Local;

/// <summary>
/// One open catalog connection and the statements prepared on it, each prepared the first time it is used and then
/// run again with new parameter values. Used by one caller at a time (<see cref="SqliteFileCatalog"/> sees to it).
/// </summary>
internal sealed class CatalogConnection : IDisposable
{
    private readonly SqliteConnection connection;
    private readonly Dictionary<string, SqliteCommand> commands = new(StringComparer.Ordinal);

    /// <param name="checkpointAfterWalPages">
    /// SQLite's wal_autocheckpoint for this connection; 0 leaves checkpoints to the other connections.
    /// </param>
    /// <param name="exclusive">
    /// SQLite's exclusive locking mode: the connection keeps the file locked from its first statement until it closes.
    /// </param>
    public CatalogConnection(string connectionString, int checkpointAfterWalPages, bool exclusive)
    {
        connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            // Wait for a busy writer (another process on the same file) rather than fail. synchronous=NORMAL in WAL
            // mode keeps every committed write through a process crash (kill -9); only a power loss may drop the last
            // commits, and it avoids an fsync per commit, which small uploads (several commits each) could not afford.
            pragma.CommandText = $"""
                PRAGMA locking_mode = {(exclusive ? "EXCLUSIVE" : "NORMAL")};
                PRAGMA busy_timeout = 30000;
                PRAGMA synchronous = NORMAL;
                PRAGMA wal_autocheckpoint = {checkpointAfterWalPages};
                """;
            pragma.ExecuteNonQuery();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The prepared command for <paramref name="sql"/>, with a parameter for every <c>@name</c> in it. Set each value
    /// before running it; a reader from it must be disposed before the next use.
    /// </summary>
    public SqliteCommand Command(string sql)
    {
        if (!commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in ParameterNames(sql))
            {
                command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
            }

            command.Prepare();
            commands.Add(sql, command);
        }

        return command;
    }

    public void Dispose()
    {
        foreach (var command in commands.Values)
        {
            command.Dispose();
        }

        commands.Clear();
        connection.Dispose();
    }

    private static IEnumerable<string> ParameterNames(string sql)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sql.Length; i++)
        {
            if (sql[i] != '@')
            {
                continue;
            }

            var end = i + 1;
            while (end < sql.Length && (char.IsAsciiLetterOrDigit(sql[end]) || sql[end] == '_'))
            {
                end++;
            }

            var name = sql[i..end];
            if (name.Length > 1 && seen.Add(name))
            {
                yield return name;
            }

            i = end - 1;
        }
    }
}
