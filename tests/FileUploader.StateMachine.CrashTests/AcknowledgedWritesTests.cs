using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace FileUploader.StateMachine.CrashTests;

/// <summary>
/// The journal's promise under SIGKILL: whatever the engine acknowledged was in the journal's WAL before the answer
/// went out, so a process killed while many executions are being started and group-committed (the WAL index lives
/// in the dead process's memory, most commits are not yet checkpointed) comes back with every acknowledged
/// execution, and each finishes with its output. The same for executions that ran to their end inside one
/// synchronous start: those the engine acknowledged were in the journal's run log (if not yet in SQLite) before the
/// answer went out, and come back with their output and history.
/// </summary>
public sealed class AcknowledgedWritesTests : IDisposable
{
    private const int InFlight = 16;
    private const int AcknowledgedBeforeKill = 240;

    private const string PassChain = """
        {"StartAt":"Pick","States":{
          "Pick":{"Type":"Pass","Parameters":{"n.$":"$.n","tag":"picked"},"Next":"Keep"},
          "Keep":{"Type":"Pass","ResultPath":"$.copy","Next":"Done"},
          "Done":{"Type":"Pass","OutputPath":"$.copy","End":true}}}
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("fileuploader-acked-").FullName;

    [Fact]
    public async Task Restart_AfterSigkillWhileStartingManyExecutions_EveryAcknowledgedExecutionIsJournaledAndFinishes()
    {
        var journal = Path.Combine(_directory, "acked.db");
        var log = Path.Combine(_directory, "acked.log");
        List<(string Arn, int N)> acknowledged;
        await using (var host = await CrashHostProcess.StartAsync(journal, log, taskDelayMs: 0))
        {
            acknowledged = await AcknowledgeThenKillAsync(host, StartAsync);
        }

        await using (var host = await CrashHostProcess.StartAsync(journal, log, taskDelayMs: 0))
        {
            foreach (var (arn, n) in acknowledged)
            {
                var done = await host.SendAsync(new JsonObject { ["op"] = "wait", ["executionArn"] = arn });
                Assert.Equal("SUCCEEDED", done["status"]!.GetValue<string>());
                Assert.True(
                    JsonNode.DeepEquals(new JsonObject { ["n"] = n, ["tag"] = "picked" }, JsonNode.Parse(done["output"]!.GetValue<string>())),
                    $"{arn}: {done["output"]}");
            }

            await host.StopAsync();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Restart_AfterSigkillWhileRunningOneBatchExecutions_EveryAcknowledgedOneComesBackWithOutputAndHistory(bool moveRunLog)
    {
        var journal = Path.Combine(_directory, "one-batch.db");
        var log = Path.Combine(_directory, "one-batch.log");
        List<(string Arn, int N)> acknowledged;
        await using (var host = await CrashHostProcess.StartAsync(journal, log, taskDelayMs: 0, moveRunLog))
        {
            acknowledged = await AcknowledgeThenKillAsync(host, RunSyncAsync);
        }

        if (!moveRunLog)
        {
            // Nothing moved them: SQLite's own files lack all but the first (whose definition was not yet stored), so
            // each of the others can only come back from the run log.
            var inSqlite = ArnsInSqliteFiles(journal);
            Assert.True(acknowledged.Count(a => !inSqlite.Contains(a.Arn)) >= AcknowledgedBeforeKill - 1, $"{inSqlite.Count} runs were in SQLite at the kill");
        }

        string[] passChainHistory =
        [
            "ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited",
            "PassStateEntered", "PassStateExited", "ExecutionSucceeded",
        ];
        await using (var host = await CrashHostProcess.StartAsync(journal, log, taskDelayMs: 0, moveRunLog))
        {
            foreach (var (arn, n) in acknowledged)
            {
                var done = await host.SendAsync(new JsonObject { ["op"] = "wait", ["executionArn"] = arn });
                Assert.Equal("SUCCEEDED", done["status"]!.GetValue<string>());
                Assert.True(
                    JsonNode.DeepEquals(new JsonObject { ["n"] = n, ["tag"] = "picked" }, JsonNode.Parse(done["output"]!.GetValue<string>())),
                    $"{arn}: {done["output"]}");
                var history = await host.SendAsync(new JsonObject { ["op"] = "history", ["executionArn"] = arn });
                Assert.Equal(passChainHistory, history["types"]!.AsArray().Select(t => t!.GetValue<string>()));
            }

            await host.StopAsync();
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(string Arn, int N)> RunSyncAsync(CrashHostProcess host, string machineArn, int n)
    {
        var done = await host.SendAsync(new JsonObject
        {
            ["op"] = "startSync",
            ["stateMachineArn"] = machineArn,
            ["name"] = $"s-{n}",
            ["input"] = new JsonObject { ["n"] = n }.ToJsonString(),
        });
        Assert.Equal("SUCCEEDED", done["status"]!.GetValue<string>());
        return (done["executionArn"]!.GetValue<string>(), n);
    }

    /// <summary>The runs in a copy of the journal's SQLite files (database and WAL, not the run log), read by a plain connection.</summary>
    private HashSet<string> ArnsInSqliteFiles(string journal)
    {
        var copy = Path.Combine(_directory, "sqlite-only.db");
        File.Copy(journal, copy);
        if (File.Exists(journal + "-wal"))
        {
            File.Copy(journal + "-wal", copy + "-wal");
        }

        using var connection = new SqliteConnection($"Data Source={copy};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT arn FROM runs";
        using var reader = command.ExecuteReader();
        var arns = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            arns.Add(reader.GetString(0));
        }

        return arns;
    }

    /// <summary>
    /// Creates the pass chain and runs waves of <see cref="InFlight"/> executions through <paramref name="start"/> until
    /// <see cref="AcknowledgedBeforeKill"/> are acknowledged, then kills the host with one more wave on its way (those
    /// may or may not have been journaled, and are not checked). Returns the acknowledged ones.
    /// </summary>
    private static async Task<List<(string Arn, int N)>> AcknowledgeThenKillAsync(
        CrashHostProcess host, Func<CrashHostProcess, string, int, Task<(string Arn, int N)>> start)
    {
        var machine = await host.SendAsync(new JsonObject { ["op"] = "create", ["name"] = "pass-chain", ["definition"] = PassChain });
        var machineArn = machine["arn"]!.GetValue<string>();
        var n = 0;
        Task<(string Arn, int N)> StartOne() => start(host, machineArn, Interlocked.Increment(ref n));

        var acknowledged = new List<(string Arn, int N)>();
        while (acknowledged.Count < AcknowledgedBeforeKill)
        {
            acknowledged.AddRange(await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => StartOne())));
        }

        var unacknowledged = Enumerable.Range(0, InFlight).Select(_ => StartOne()).ToArray();
        await host.KillAsync();
        await Task.WhenAll(unacknowledged.Select(t => t.ContinueWith(static _ => { }, TaskScheduler.Default)));
        return acknowledged;
    }

    private static async Task<(string Arn, int N)> StartAsync(CrashHostProcess host, string machineArn, int n)
    {
        var started = await host.SendAsync(new JsonObject
        {
            ["op"] = "start",
            ["stateMachineArn"] = machineArn,
            ["name"] = $"e-{n}",
            ["input"] = new JsonObject { ["n"] = n }.ToJsonString(),
        });
        return (started["executionArn"]!.GetValue<string>(), n);
    }
}
