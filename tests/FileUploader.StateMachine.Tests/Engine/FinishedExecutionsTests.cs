using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// Finished executions as DescribeExecution, GetExecutionHistory and ListExecutions show them, on every journal: an
/// in-memory one, where the engine's copy of each history is the only one and the oldest are forgotten beyond
/// <see cref="EngineOptions.MaxRetainedHistoryEvents"/>; and durable ones (in memory with positions, SQLite), where the
/// engine keeps only the last records (<see cref="EngineOptions.MaxRetainedRecords"/>) and reads the rest, and every
/// history, from the journal, so none is ever let go; and after a restart on the same SQLite file.
/// </summary>
public sealed class FinishedExecutionsTests : IDisposable
{
    // Three Pass states: eight events per execution.
    private const string Machine = """
        {"StartAt":"A","States":{
          "A":{"Type":"Pass","Result":"a","ResultPath":"$.a","Next":"B"},
          "B":{"Type":"Pass","Result":"b","ResultPath":"$.b","Next":"C"},
          "C":{"Type":"Pass","Result":"c","ResultPath":"$.c","End":true}}}
        """;

    private const int EventsPerExecution = 8;

    private readonly TempJournalFile _journalFile = new("fu-finished");

    public void Dispose() => _journalFile.Dispose();

    public static TheoryData<string> Journals => ["memory", "durable-memory", "sqlite"];

    private IExecutionJournal OpenJournal(string kind) => kind switch
    {
        "memory" => new InMemoryExecutionJournal(),
        "durable-memory" => new InMemoryExecutionJournal(keepPositions: true),
        _ => SqliteExecutionJournal.Open(_journalFile.Path),
    };

    private static string Input(int i) => $$"""{"i":{{i}}}""";

    [Theory]
    [MemberData(nameof(Journals))]
    public async Task FinishedExecutions_JustFinished_AreDescribedListedAndTheirHistoryPaginated(string kind)
    {
        var journal = OpenJournal(kind);
        try
        {
            await using var h = new EngineHarness(journal);
            var machine = await h.CreateAsync(Machine);
            var arns = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                arns.Add((await h.Engine.StartSyncExecutionAsync(new(machine, $"e{i}", Input(i)), EngineHarness.Timeout)).ExecutionArn);
            }

            var listed = await h.Engine.ListExecutionsAsync(new ListExecutionsRequest(machine, null, null, null), EngineHarness.Timeout);
            Assert.Equal(["e0", "e1", "e2"], listed.Items.Select(e => e.Name).Order(StringComparer.Ordinal));
            for (var i = 0; i < 3; i++)
            {
                await AssertFinishedAsync(h, arns[i], i);
            }
        }
        finally
        {
            (journal as IDisposable)?.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Journals))]
    public async Task FinishedExecutions_BeyondMaxRetainedHistoryEvents_DurableJournalServesAllInMemoryForgetsTheOldest(string kind)
    {
        var journal = OpenJournal(kind);
        try
        {
            // Room for the histories of two executions: with an in-memory journal the first three are forgotten.
            await using var h = new EngineHarness(journal, options: new EngineOptions { MaxRetainedHistoryEvents = 2 * EventsPerExecution });
            var machine = await h.CreateAsync(Machine);
            var arns = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                arns.Add((await h.Engine.StartSyncExecutionAsync(new(machine, $"e{i}", Input(i)), EngineHarness.Timeout)).ExecutionArn);
            }

            var listed = await h.Engine.ListExecutionsAsync(new ListExecutionsRequest(machine, null, null, null), EngineHarness.Timeout);
            var kept = journal.IsDurable ? 0 : 3;
            Assert.Equal(arns.Skip(kept).Select(a => a[(a.LastIndexOf(':') + 1)..]), listed.Items.Select(e => e.Name).Order(StringComparer.Ordinal));
            for (var i = 0; i < kept; i++)
            {
                var forgotten = await Assert.ThrowsAsync<StepFunctionsException>(() => h.HistoryAsync(arns[i]));
                Assert.Equal(StepFunctionsErrorTypes.ExecutionDoesNotExist, forgotten.ErrorType);
            }

            for (var i = kept; i < 5; i++)
            {
                await AssertFinishedAsync(h, arns[i], i);
            }
        }
        finally
        {
            (journal as IDisposable)?.Dispose();
        }
    }

    [Theory]
    [InlineData("durable-memory")]
    [InlineData("sqlite")]
    public async Task StartExecution_SameNameAndInputAsOneFinishedInThisProcess_DurableJournal_ReturnsItBeyondTheHistoryLimit(string kind)
    {
        var journal = OpenJournal(kind);
        try
        {
            await using var h = new EngineHarness(journal, options: new EngineOptions { MaxRetainedHistoryEvents = EventsPerExecution });
            var machine = await h.CreateAsync(Machine);
            var first = await h.Engine.StartSyncExecutionAsync(new(machine, "e0", Input(0)), EngineHarness.Timeout);
            for (var i = 1; i < 4; i++)
            {
                await h.Engine.StartSyncExecutionAsync(new(machine, $"e{i}", Input(i)), EngineHarness.Timeout);
            }

            var again = await h.Engine.StartSyncExecutionAsync(new(machine, "e0", Input(0)), EngineHarness.Timeout);
            var other = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.StartSyncExecutionAsync(new(machine, "e0", Input(9)), EngineHarness.Timeout));

            Assert.Equal(first.ExecutionArn, again.ExecutionArn);
            Assert.Equal(first.StopDate, again.StopDate);
            Assert.Equal(StepFunctionsErrorTypes.ExecutionAlreadyExists, other.ErrorType);
            Assert.Equal(EventsPerExecution, (await h.HistoryAsync(first.ExecutionArn)).Count);
        }
        finally
        {
            (journal as IDisposable)?.Dispose();
        }
    }

    [Theory]
    [InlineData("durable-memory")]
    [InlineData("sqlite")]
    public async Task FinishedExecutions_BeyondMaxRetainedRecords_DurableJournal_AllServedOnlyTheLastKeptInMemory(string kind)
    {
        var journal = OpenJournal(kind);
        try
        {
            await using var h = new EngineHarness(journal, options: new EngineOptions { MaxRetainedRecords = 2 });
            var machine = await h.CreateAsync(Machine);
            var arns = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                arns.Add((await h.Engine.StartSyncExecutionAsync(new(machine, $"e{i}", Input(i)), EngineHarness.Timeout)).ExecutionArn);
            }

            Assert.Equal(2, h.Engine.RetainedExecutionCount);
            var listed = await h.Engine.ListExecutionsAsync(new ListExecutionsRequest(machine, null, null, null), EngineHarness.Timeout);
            Assert.Equal(["e0", "e1", "e2", "e3", "e4"], listed.Items.Select(e => e.Name).Order(StringComparer.Ordinal));
            for (var i = 0; i < 5; i++)
            {
                await AssertFinishedAsync(h, arns[i], i);
            }

            // A kept one is found again by name and input; one let go is closed as far as the engine knows, and AWS
            // answers ExecutionAlreadyExists for a closed execution.
            var again = await h.Engine.StartSyncExecutionAsync(new(machine, "e4", Input(4)), EngineHarness.Timeout);
            var closed = await Assert.ThrowsAsync<StepFunctionsException>(() => h.Engine.StartSyncExecutionAsync(new(machine, "e0", Input(0)), EngineHarness.Timeout));
            Assert.Equal(arns[4], again.ExecutionArn);
            Assert.Equal(StepFunctionsErrorTypes.ExecutionAlreadyExists, closed.ErrorType);
        }
        finally
        {
            (journal as IDisposable)?.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Journals))]
    public async Task ListExecutions_RunningAndFinishedPagedThrough_EachOnceInOrder(string kind)
    {
        // Every execution starts at the same instant (the clock stands still), so names order the list. UTF-16 order
        // (the engine's) puts a surrogate pair (U+1F600) before U+FF5E and U+FF70; UTF-8 order (SQLite's own) puts it
        // after them: a page read from the journal in the wrong order would skip or repeat an execution.
        const string waitOrNot = """
            {"StartAt":"C","States":{
              "C":{"Type":"Choice","Choices":[{"Variable":"$.wait","BooleanEquals":true,"Next":"W"}],"Default":"Done"},
              "W":{"Type":"Wait","Seconds":3600,"Next":"Done"},
              "Done":{"Type":"Succeed"}}}
            """;
        string[] finishedNames = ["\uFF70-3", "\uD83D\uDE00x", "\uFF70-0", "\uFF5Ey", "\uFF70-2", "\uFF70-1", "\uFF70-5", "\uFF70-4", "a"];
        string[] runningNames = ["r2", "\uD83D\uDE00r", "r1"];
        var journal = OpenJournal(kind);
        try
        {
            await using var h = new EngineHarness(journal, options: new EngineOptions { MaxRetainedRecords = 2 });
            var machine = await h.CreateAsync(waitOrNot);
            foreach (var name in finishedNames)
            {
                await h.Engine.StartSyncExecutionAsync(new(machine, name, """{"wait":false}"""), EngineHarness.Timeout);
            }

            foreach (var name in runningNames)
            {
                await h.Engine.StartExecutionAsync(new(machine, name, """{"wait":true}"""), EngineHarness.Timeout);
            }

            var all = finishedNames.Concat(runningNames).Order(StringComparer.Ordinal).ToList();
            var running = runningNames.Order(StringComparer.Ordinal).ToList();
            foreach (var pageSize in new[] { 1, 2, 3, 100 })
            {
                Assert.Equal(all, await ListAllAsync(h, machine, status: null, pageSize));
                Assert.Equal(running, await ListAllAsync(h, machine, "RUNNING", pageSize));
            }
        }
        finally
        {
            (journal as IDisposable)?.Dispose();
        }
    }

    private static async Task<List<string>> ListAllAsync(EngineHarness h, string machine, string? status, int pageSize)
    {
        var names = new List<string>();
        string? token = null;
        do
        {
            var page = await h.Engine.ListExecutionsAsync(new ListExecutionsRequest(machine, status, pageSize, token), EngineHarness.Timeout);
            Assert.True(page.Items.Count <= pageSize);
            names.AddRange(page.Items.Select(e => e.Name));
            token = page.NextToken;
        }
        while (token is not null);

        return names;
    }

    [Fact]
    public async Task RecoverAsync_SameSqliteJournal_FinishedExecutionsOfBothEnginesAreDescribedListedAndReadBack()
    {
        var arns = new List<string>();
        string machine;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var before = new EngineHarness(journal, options: new EngineOptions { MaxRetainedHistoryEvents = EventsPerExecution });
            machine = await before.CreateAsync(Machine);
            for (var i = 0; i < 3; i++)
            {
                arns.Add((await before.Engine.StartSyncExecutionAsync(new(machine, $"e{i}", Input(i)), EngineHarness.Timeout)).ExecutionArn);
            }
        }

        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var after = new EngineHarness(journal, options: new EngineOptions { MaxRetainedHistoryEvents = EventsPerExecution });
            await after.Engine.RecoverAsync(EngineHarness.Timeout);

            // Nothing finished is loaded into memory at start: the journal answers for those executions.
            Assert.Equal(0, after.Engine.RetainedExecutionCount);
            for (var i = 3; i < 5; i++)
            {
                arns.Add((await after.Engine.StartSyncExecutionAsync(new(machine, $"e{i}", Input(i)), EngineHarness.Timeout)).ExecutionArn);
            }

            var listed = await after.Engine.ListExecutionsAsync(new ListExecutionsRequest(machine, null, null, null), EngineHarness.Timeout);
            Assert.Equal(["e0", "e1", "e2", "e3", "e4"], listed.Items.Select(e => e.Name).Order(StringComparer.Ordinal));
            for (var i = 0; i < 5; i++)
            {
                await AssertFinishedAsync(after, arns[i], i);
            }

            // As before this change: one finished before the restart is not started or found again by name.
            var taken = await Assert.ThrowsAsync<StepFunctionsException>(() => after.Engine.StartSyncExecutionAsync(new(machine, "e0", Input(0)), EngineHarness.Timeout));
            Assert.Equal(StepFunctionsErrorTypes.ExecutionAlreadyExists, taken.ErrorType);
        }
    }

    /// <summary>Described as succeeded with its output; its history whole, read in pages of three and in reverse.</summary>
    private static async Task AssertFinishedAsync(EngineHarness h, string arn, int i)
    {
        var described = await h.Engine.DescribeExecutionAsync(arn, EngineHarness.Timeout);
        Assert.Equal("SUCCEEDED", described.Status);
        Json.Equal(Input(i), described.Input);
        Json.Equal($$"""{"i":{{i}},"a":"a","b":"b","c":"c"}""", described.Output);

        var whole = await h.HistoryAsync(arn);
        Assert.Equal(EventsPerExecution, whole.Count);
        Assert.Equal("ExecutionStarted", whole[0].Type);
        Assert.Equal(Input(i), Json.Details(whole[0], "input"));
        Assert.Equal("ExecutionSucceeded", whole[^1].Type);
        Assert.Equal(Enumerable.Range(1, EventsPerExecution).Select(id => (long)id), whole.Select(e => e.Id));

        var paged = new List<HistoryEventView>();
        string? token = null;
        do
        {
            var page = await h.Engine.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(arn, 3, token, false), EngineHarness.Timeout);
            Assert.True(page.Items.Count <= 3);
            paged.AddRange(page.Items);
            token = page.NextToken;
        }
        while (token is not null);

        var reversed = await h.Engine.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(arn, null, null, true), EngineHarness.Timeout);
        Assert.Equal(whole, paged);
        Assert.Equal(whole.Reverse(), reversed.Items);
    }
}
