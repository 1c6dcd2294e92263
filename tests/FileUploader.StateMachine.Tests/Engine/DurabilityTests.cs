using System.Text.Json.Nodes;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;
using FileUploader.StateMachine.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// Crash and restart on a real SQLite file: the first engine is disposed mid-execution (which stops it writing,
/// as a killed process would), a second engine opens the same file, recovers, and must finish every execution
/// with the output it would have had, re-running only the task that was in flight.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly TempJournalFile _journalFile = new("fu-journal");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => _journalFile.Dispose();

    [Fact]
    public async Task RecoverAsync_TaskInFlightAtCrash_RunsAgainButCompletedTaskDoesNot()
    {
        var firstCalls = 0;
        var blockedCalls = 0;
        var blockedStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var beforeCrash = new FunctionTable()
            .Add("first", input => { Interlocked.Increment(ref firstCalls); return new JsonObject { ["first"] = "done" }; })
            .Add("block", async (_, ct) =>
            {
                Interlocked.Increment(ref blockedCalls);
                blockedStarted.TrySetResult();
                await new TaskCompletionSource().Task.WaitAsync(ct);
                return null;
            });
        const string definition = """
            {"StartAt":"First","States":{
              "First":{"Type":"Task","Resource":"@LAMBDA@first","ResultPath":"$.a","Next":"Block"},
              "Block":{"Type":"Task","Resource":"@LAMBDA@block","ResultPath":"$.b","Next":"Done"},
              "Done":{"Type":"Pass","End":true}}}
            """;

        string executionArn;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, beforeCrash, _time);
            var arn = await engine.CreateAsync(definition);
            executionArn = (await engine.Engine.StartExecutionAsync(new(arn, "crash-me", """{"id":1}"""), EngineHarness.Timeout)).ExecutionArn;
            await blockedStarted.Task.WaitAsync(EngineHarness.Timeout);
        }

        var afterCrash = new FunctionTable()
            .Add("first", input => { Interlocked.Increment(ref firstCalls); return new JsonObject { ["first"] = "again" }; })
            .Add("block", input => { Interlocked.Increment(ref blockedCalls); return new JsonObject { ["block"] = "done" }; });
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, afterCrash, _time);
            await engine.Engine.RecoverAsync(EngineHarness.Timeout);
            var done = await engine.Engine.WaitForCompletionAsync(executionArn, EngineHarness.Timeout);

            Assert.Equal("SUCCEEDED", done.Status);
            Json.Equal("""{"id":1,"a":{"first":"done"},"b":{"block":"done"}}""", done.Output);
            Assert.Equal(1, firstCalls);
            Assert.Equal(2, blockedCalls);
            var history = await engine.HistoryAsync(executionArn);
            Assert.Equal(history.Select((_, i) => (long)i + 1), history.Select(e => e.Id));
            Assert.Equal(1, history.Count(e => e.Type == "ExecutionStarted"));
            Assert.Equal("ExecutionSucceeded", history[^1].Type);
        }
    }

    [Fact]
    public async Task RecoverAsync_WaitWhoseTimePassedWhileDown_FiresAtOnceAtTheJournaledTime()
    {
        string executionArn;
        DateTimeOffset startDate;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, time: _time);
            var arn = await engine.CreateAsync("""{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"Next":"D"},"D":{"Type":"Pass","Result":"expired","End":true}}}""");
            var started = await engine.Engine.StartExecutionAsync(new(arn, "expiry", "{}"), EngineHarness.Timeout);
            (executionArn, startDate) = (started.ExecutionArn, started.StartDate);
            await engine.WaitForHistoryAsync(executionArn, e => e.Any(x => x.Type == "WaitStateEntered"));
        }

        // Down for two hours: the wait ended while nothing was running.
        _time.Advance(TimeSpan.FromHours(2));
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, time: _time);
            await engine.Engine.RecoverAsync(EngineHarness.Timeout);
            var done = await engine.Engine.WaitForCompletionAsync(executionArn, EngineHarness.Timeout);

            Assert.Equal("SUCCEEDED", done.Status);
            Assert.Equal("\"expired\"", done.Output);
            Assert.Equal(startDate.AddHours(2), done.StopDate);
        }
    }

    [Fact]
    public async Task RecoverAsync_WaitNotYetDue_KeepsTheAbsoluteDueTime()
    {
        string executionArn;
        DateTimeOffset startDate;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, time: _time);
            var arn = await engine.CreateAsync("""{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}""");
            var started = await engine.Engine.StartExecutionAsync(new(arn, "w", "{}"), EngineHarness.Timeout);
            (executionArn, startDate) = (started.ExecutionArn, started.StartDate);
            await engine.WaitForHistoryAsync(executionArn, e => e.Any(x => x.Type == "WaitStateEntered"));
        }

        _time.Advance(TimeSpan.FromSeconds(60));
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, time: _time);
            await engine.Engine.RecoverAsync(EngineHarness.Timeout);
            await engine.WaitForHistoryAsync(executionArn, _ => true);
            var stillWaiting = await engine.Engine.DescribeExecutionAsync(executionArn, EngineHarness.Timeout);
            _time.Advance(TimeSpan.FromSeconds(40));
            var done = await engine.Engine.WaitForCompletionAsync(executionArn, EngineHarness.Timeout);

            Assert.Equal("RUNNING", stillWaiting.Status);
            Assert.Equal(startDate.AddSeconds(100), done.StopDate);
        }
    }

    [Fact]
    public async Task RecoverAsync_MidMap_FinishedIterationsAreNotRunAgain()
    {
        var calls = new int[5];
        var thirdStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var beforeCrash = new FunctionTable().Add("item", async (invocation, ct) =>
        {
            var n = invocation.Input!.GetValue<int>();
            Interlocked.Increment(ref calls[n]);
            if (n == 2)
            {
                thirdStarted.TrySetResult();
                await new TaskCompletionSource().Task.WaitAsync(ct);
            }

            return n * 10;
        });
        const string definition = """
            {"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"End":true,"ItemProcessor":{"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"@LAMBDA@item","End":true}}}}}}
            """;

        string executionArn;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, beforeCrash, _time);
            var arn = await engine.CreateAsync(definition);
            executionArn = (await engine.Engine.StartExecutionAsync(new(arn, "map", "[0,1,2,3,4]"), EngineHarness.Timeout)).ExecutionArn;
            await thirdStarted.Task.WaitAsync(EngineHarness.Timeout);
        }

        var afterCrash = new FunctionTable().Add("item", input =>
        {
            var n = input!.GetValue<int>();
            Interlocked.Increment(ref calls[n]);
            return n * 10;
        });
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, afterCrash, _time);
            await engine.Engine.RecoverAsync(EngineHarness.Timeout);
            var done = await engine.Engine.WaitForCompletionAsync(executionArn, EngineHarness.Timeout);

            Assert.Equal("SUCCEEDED", done.Status);
            Json.Equal("[0,10,20,30,40]", done.Output);
            Assert.Equal([1, 1, 2, 1, 1], calls);
            Assert.Equal(5, (await engine.HistoryAsync(executionArn)).Count(e => e.Type == "MapIterationSucceeded"));
        }
    }

    [Fact]
    public async Task RecoverAsync_PendingRetry_UsesTheJournaledDueTime()
    {
        var calls = 0;
        var functions = new FunctionTable().Add("flaky", input =>
            Interlocked.Increment(ref calls) == 1 ? throw new TaskFailedException("Transient", "first try") : new JsonObject { ["ok"] = true });
        string executionArn;
        DateTimeOffset startDate;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, functions, _time);
            var arn = await engine.CreateAsync("""
                {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"@LAMBDA@flaky",
                  "Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":100}],"End":true}}}
                """);
            var started = await engine.Engine.StartExecutionAsync(new(arn, "retry", "{}"), EngineHarness.Timeout);
            (executionArn, startDate) = (started.ExecutionArn, started.StartDate);
            await engine.WaitForHistoryAsync(executionArn, e => e.Any(x => x.Type == "LambdaFunctionFailed"));
        }

        _time.Advance(TimeSpan.FromSeconds(500));
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, functions, _time);
            await engine.Engine.RecoverAsync(EngineHarness.Timeout);
            var done = await engine.Engine.WaitForCompletionAsync(executionArn, EngineHarness.Timeout);

            Assert.Equal("SUCCEEDED", done.Status);
            Assert.Equal(2, calls);
            Assert.Equal(startDate.AddSeconds(500), done.StopDate);
        }
    }

    [Fact]
    public async Task RecoverAsync_FinishedExecutionsAndMachines_AreStillDescribedListedAndHaveHistory()
    {
        string executionArn;
        string machineArn;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, time: _time);
            var result = await engine.RunAsync("""{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":1},"End":true}}}""");
            (executionArn, machineArn) = (result.ExecutionArn, result.StateMachineArn);
        }

        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, time: _time);
            await engine.Engine.RecoverAsync(EngineHarness.Timeout);

            var machine = await engine.Engine.DescribeStateMachineAsync(machineArn, EngineHarness.Timeout);
            var execution = await engine.Engine.DescribeExecutionAsync(executionArn, EngineHarness.Timeout);
            var listed = await engine.Engine.ListExecutionsAsync(new ListExecutionsRequest(machineArn, "SUCCEEDED", null, null), EngineHarness.Timeout);
            var history = await engine.HistoryAsync(executionArn);

            Assert.Equal("machine", machine.Name);
            Assert.Equal("SUCCEEDED", execution.Status);
            Json.Equal("""{"x":1}""", execution.Output);
            Assert.Equal([executionArn], listed.Items.Select(i => i.ExecutionArn));
            Assert.Equal(["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"], history.Select(e => e.Type));
            Assert.Equal("P", Json.Details(history[1], "name"));
        }
    }

    [Fact]
    public async Task RecoverAsync_MidParallel_FinishedBranchIsNotRunAgain()
    {
        var fastCalls = 0;
        var slowCalls = 0;
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fastDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var beforeCrash = new FunctionTable()
            .Add("fast", input => { Interlocked.Increment(ref fastCalls); fastDone.TrySetResult(); return "fast"; })
            .Add("slow", async (_, ct) =>
            {
                Interlocked.Increment(ref slowCalls);
                slowStarted.TrySetResult();
                await new TaskCompletionSource().Task.WaitAsync(ct);
                return null;
            });
        const string definition = """
            {"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
              {"StartAt":"F","States":{"F":{"Type":"Task","Resource":"@LAMBDA@fast","Next":"F2"},"F2":{"Type":"Pass","End":true}}},
              {"StartAt":"S","States":{"S":{"Type":"Task","Resource":"@LAMBDA@slow","End":true}}}]}}}
            """;

        string executionArn;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, beforeCrash, _time);
            var arn = await engine.CreateAsync(definition);
            executionArn = (await engine.Engine.StartExecutionAsync(new(arn, "par", "{}"), EngineHarness.Timeout)).ExecutionArn;
            await Task.WhenAll(slowStarted.Task, fastDone.Task).WaitAsync(EngineHarness.Timeout);
            await engine.WaitForHistoryAsync(executionArn, e => e.Any(x => x.Type == "PassStateExited"));
        }

        var afterCrash = new FunctionTable()
            .Add("fast", input => { Interlocked.Increment(ref fastCalls); return "fast-again"; })
            .Add("slow", input => { Interlocked.Increment(ref slowCalls); return "slow"; });
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var engine = new EngineHarness(journal, afterCrash, _time);
            await engine.Engine.RecoverAsync(EngineHarness.Timeout);
            var done = await engine.Engine.WaitForCompletionAsync(executionArn, EngineHarness.Timeout);

            Assert.Equal("SUCCEEDED", done.Status);
            Json.Equal("""["fast","slow"]""", done.Output);
            Assert.Equal((1, 2), (fastCalls, slowCalls));
        }
    }

    [Fact]
    public async Task Journal_ManyConcurrentExecutionsWithAsyncTasks_AllFinishWithSequentialHistories()
    {
        var functions = new FunctionTable().Add("inc", async (invocation, ct) =>
        {
            await Task.Yield();
            return invocation.Input!.GetValue<int>() + 1;
        });
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path);
        await using var h = new EngineHarness(journal, functions, _time);
        var arn = await h.CreateAsync("""
            {"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"@LAMBDA@inc","End":true}}}}}}
            """);

        var runs = Enumerable.Range(0, 20).Select(i => h.Engine.StartSyncExecutionAsync(new(arn, $"e{i}", $"[{i},{i + 1},{i + 2}]"), EngineHarness.Timeout)).ToList();
        var results = await Task.WhenAll(runs);

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal("SUCCEEDED", results[i].Status);
            Json.Equal($"[{i + 1},{i + 2},{i + 3}]", results[i].Output);
            var stored = journal.LoadHistory(results[i].ExecutionArn);
            Assert.Equal(stored.Select((_, n) => (long)n + 1), stored.Select(e => e.Id));
            Assert.Equal(3, stored.Count(e => e.Type == "LambdaFunctionSucceeded"));
            Assert.Empty(journal.LoadFrames(results[i].ExecutionArn));
        }
    }

    [Fact]
    public async Task Retention_OldFinishedExecutionsLeaveMemory_ButAreStillServedFromTheJournal()
    {
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path);
        await using var h = new EngineHarness(journal, time: _time, options: new EngineOptions { MaxRetainedHistoryEvents = 10 });
        var arn = await h.CreateAsync("""{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}""");
        var results = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            results.Add((await h.Engine.StartSyncExecutionAsync(new(arn, $"e{i}", $"{{\"i\":{i}}}"), EngineHarness.Timeout)).ExecutionArn);
        }

        var first = await h.Engine.DescribeExecutionAsync(results[0], EngineHarness.Timeout);
        var history = await h.HistoryAsync(results[0]);
        var listed = await h.Engine.ListExecutionsAsync(new ListExecutionsRequest(arn, null, null, null), EngineHarness.Timeout);

        Json.Equal("""{"i":0}""", first.Output);
        Assert.Equal(4, history.Count);
        Assert.Equal(6, listed.Items.Count);
    }
}
