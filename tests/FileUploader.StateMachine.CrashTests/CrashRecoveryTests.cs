using System.Text.Json.Nodes;
using FileUploader.StateMachine.Journal;

namespace FileUploader.StateMachine.CrashTests;

/// <summary>
/// Issue 3's crash test: SIGKILL the engine's process while one execution sits in a Wait and another is in the
/// middle of a Map over tasks, restart it on the same SQLite journal, and check that every execution ends with the
/// output an uninterrupted run gives and that no task whose completion was journaled runs again (tasks in flight
/// at the kill may: at-least-once, like Durable Task and Temporal activities).
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private const int TaskDelayMs = 200;
    private const int MapItems = 20;

    private const string WaitThenTask = """
        {"StartAt":"Hold","States":{
          "Hold":{"Type":"Wait","Seconds":5,"Next":"Double"},
          "Double":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Double","ResultPath":"$.result","End":true}}}
        """;

    private const string MapOverTasks = """
        {"StartAt":"Each","States":{
          "Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
            "ItemSelector":{"item.$":"$$.Map.Item.Value"},
            "ItemProcessor":{"StartAt":"Double","States":{"Double":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Double","End":true}}},
            "ResultPath":"$.results","Next":"Done"},
          "Done":{"Type":"Pass","End":true}}}
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("fileuploader-crash-").FullName;

    [Fact]
    public async Task Restart_AfterSigkillDuringWaitAndMap_FinishesWithUninterruptedOutputsAndNoJournaledTaskRepeats()
    {
        var expected = await RunUninterruptedAsync();

        var journal = Path.Combine(_directory, "crash.db");
        var log = Path.Combine(_directory, "crash.log");
        string waitArn, mapArn;
        await using (var host = await CrashHostProcess.StartAsync(journal, log, TaskDelayMs))
        {
            (waitArn, mapArn) = await StartBothAsync(host);

            // Kill once a few Map tasks have started: the Map is mid-way (20 tasks of 200 ms, two at a time) and the
            // Wait (5 s) has not ended.
            await WaitForInvocationsAsync(log, mapArn, atLeast: 4);
            await host.KillAsync();
        }

        var beforeRestart = ReadJournalCopy(journal, mapArn, waitArn);
        Assert.True("RUNNING" == beforeRestart.MapStatus, $"Map execution {beforeRestart.MapStatus} at the kill; events: {beforeRestart.MapEvents}; invocations: {Invocations(log, mapArn).Values.Sum()}");
        Assert.Equal("RUNNING", beforeRestart.WaitStatus);
        Assert.True(beforeRestart.WaitEntered, "the Wait execution should have been killed inside its Wait");
        Assert.True(
            beforeRestart.CompletedItems.Count is > 0 and < MapItems,
            $"the kill should land mid-Map; journaled task completions: {beforeRestart.CompletedItems.Count}; events: {beforeRestart.MapEvents}");
        var startedBeforeRestart = Invocations(log, mapArn);

        await using (var host = await CrashHostProcess.StartAsync(journal, log, TaskDelayMs))
        {
            var waitResult = await host.SendAsync(new JsonObject { ["op"] = "wait", ["executionArn"] = waitArn });
            var mapResult = await host.SendAsync(new JsonObject { ["op"] = "wait", ["executionArn"] = mapArn });

            AssertSameOutcome(expected.Wait, waitResult);
            AssertSameOutcome(expected.Map, mapResult);
            await host.StopAsync();
        }

        var mapRuns = Invocations(log, mapArn);
        Assert.Equal(Enumerable.Range(1, MapItems), mapRuns.Keys.Order());
        foreach (var item in beforeRestart.CompletedItems)
        {
            Assert.True(mapRuns[item] == 1, $"item {item}'s completion was journaled before the kill, yet it ran {mapRuns[item]} times");
        }

        foreach (var (item, count) in mapRuns.Where(r => r.Value > 1))
        {
            Assert.True(
                startedBeforeRestart.ContainsKey(item) && !beforeRestart.CompletedItems.Contains(item) && count == 2,
                $"item {item} ran {count} times; only a task in flight at the kill may run once more");
        }

        Assert.Equal(1, Invocations(log, waitArn).Values.Sum());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(JsonObject Wait, JsonObject Map)> RunUninterruptedAsync()
    {
        await using var host = await CrashHostProcess.StartAsync(Path.Combine(_directory, "baseline.db"), Path.Combine(_directory, "baseline.log"), TaskDelayMs);
        var (waitArn, mapArn) = await StartBothAsync(host);
        var wait = await host.SendAsync(new JsonObject { ["op"] = "wait", ["executionArn"] = waitArn });
        var map = await host.SendAsync(new JsonObject { ["op"] = "wait", ["executionArn"] = mapArn });
        await host.StopAsync();
        Assert.Equal("SUCCEEDED", wait["status"]!.GetValue<string>());
        Assert.Equal("SUCCEEDED", map["status"]!.GetValue<string>());
        return (wait, map);
    }

    private static async Task<(string WaitArn, string MapArn)> StartBothAsync(CrashHostProcess host)
    {
        var waitMachine = await host.SendAsync(new JsonObject { ["op"] = "create", ["name"] = "wait-then-task", ["definition"] = WaitThenTask });
        var mapMachine = await host.SendAsync(new JsonObject { ["op"] = "create", ["name"] = "map-over-tasks", ["definition"] = MapOverTasks });
        var items = new JsonArray([.. Enumerable.Range(1, MapItems).Select(i => (JsonNode)i)]);
        var wait = await host.SendAsync(new JsonObject
        {
            ["op"] = "start",
            ["stateMachineArn"] = waitMachine["arn"]!.GetValue<string>(),
            ["name"] = "waiting",
            ["input"] = """{"item":100}""",
        });
        var map = await host.SendAsync(new JsonObject
        {
            ["op"] = "start",
            ["stateMachineArn"] = mapMachine["arn"]!.GetValue<string>(),
            ["name"] = "mapping",
            ["input"] = new JsonObject { ["items"] = items }.ToJsonString(),
        });
        return (wait["executionArn"]!.GetValue<string>(), map["executionArn"]!.GetValue<string>());
    }

    private static async Task WaitForInvocationsAsync(string log, string executionArn, int atLeast)
    {
        // A real event (lines the host fsynced), polled with a generous deadline; nothing is timed.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (Invocations(log, executionArn).Values.Sum() < atLeast)
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>How many times the task ran per item, for one execution, from the host's fsynced invocation log.</summary>
    private static Dictionary<int, int> Invocations(string log, string executionArn)
    {
        if (!File.Exists(log))
        {
            return [];
        }

        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var counts = new Dictionary<int, int>();
        while (reader.ReadLine() is { } line)
        {
            // A kill can cut the last line short; only whole lines count.
            if (!line.EndsWith('}'))
            {
                continue;
            }

            var entry = JsonNode.Parse(line)!;
            if (entry["execution"]!.GetValue<string>() == executionArn)
            {
                var item = entry["item"]!.GetValue<int>();
                counts[item] = counts.GetValueOrDefault(item) + 1;
            }
        }

        return counts;
    }

    private sealed record JournalSnapshot(string MapStatus, string WaitStatus, bool WaitEntered, HashSet<int> CompletedItems, string MapEvents);

    /// <summary>
    /// What the journal held at the kill, read through the engine's own journal class from a copy of the files
    /// (so the restart gets the journal exactly as the kill left it).
    /// </summary>
    private JournalSnapshot ReadJournalCopy(string journal, string mapArn, string waitArn)
    {
        var copy = Path.Combine(_directory, "snapshot.db");
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm", "-runlog", "-runlog2" })
        {
            if (File.Exists(journal + suffix))
            {
                File.Copy(journal + suffix, copy + suffix, overwrite: true);
            }
        }

        using var snapshot = SqliteExecutionJournal.Open(copy);
        var executions = snapshot.LoadExecutions().ToDictionary(e => e.Arn);
        var mapHistory = snapshot.LoadHistory(mapArn);
        var completed = mapHistory
            // A plain Lambda ARN resource records LambdaFunction* events (lambda:invoke would record Task*).
            .Where(e => e.Type is "LambdaFunctionSucceeded" or "TaskSucceeded")
            .Select(e => JsonNode.Parse(JsonNode.Parse(e.DetailsJson!)!["output"]!.GetValue<string>())!["item"]!.GetValue<int>())
            .ToHashSet();
        var waitHistory = snapshot.LoadHistory(waitArn);
        var waitEntered = waitHistory.Any(e => e.Type == "WaitStateEntered") && waitHistory.All(e => e.Type != "WaitStateExited");
        var mapEvents = string.Join(", ", mapHistory.Select(e => e.Type));
        return new JournalSnapshot(executions[mapArn].Status, executions[waitArn].Status, waitEntered, completed, mapEvents);
    }

    private static void AssertSameOutcome(JsonObject expected, JsonObject actual)
    {
        Assert.Equal(expected["status"]!.GetValue<string>(), actual["status"]!.GetValue<string>());
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(expected["output"]!.GetValue<string>()), JsonNode.Parse(actual["output"]!.GetValue<string>())),
            $"expected {expected["output"]}, got {actual["output"]}");
    }
}
