using System.Text;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// Finished executions kept as packed bytes (<see cref="RetainedExecutions"/>): every record field and the history read
/// back exactly, found by ARN among many (also before they reach the index), let go oldest first, records kept without a history, and two ARNs with the same
/// hash each answered with their own entry.
/// </summary>
public sealed class RetainedExecutionsTests
{
    private const string MachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
    private const string Definition = """{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}""";
    private const string Role = "arn:aws:iam::123456789012:role/r";

    private static ExecutionRecord Record(int i, string status = "SUCCEEDED", string? output = "{}") => new(
        $"arn:aws:states:us-east-1:123456789012:execution:m:e-{i}", MachineArn, $"e-{i}", status,
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(i), new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero).AddTicks(i),
        $$"""{"i":{{i}}}""", output, null, null, Definition, Role, null);

    // One event as HistoryLog writes it: [id, previousEventId, ticks, type, details].
    private static byte[] History(int i) => Encoding.UTF8.GetBytes($$"""[1,0,{{638712864000000000 + i}},"ExecutionStarted",{"input":"{\"i\":{{i}}}"}]""");

    [Fact]
    public void TryGet_EveryFieldOfTheRecord_ReadsBackEqual()
    {
        var store = new RetainedExecutions();
        var record = new ExecutionRecord(
            "arn:aws:states:us-east-1:123456789012:execution:m:ünïcode", MachineArn, "ünïcode", "FAILED",
            new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)), new DateTimeOffset(2026, 3, 4, 5, 6, 8, TimeSpan.Zero),
            """{"s":"q\"uote ☃"}""", null, "States.TaskFailed", "it \"broke\"", Definition, Role, new DateTimeOffset(2026, 3, 4, 6, 0, 0, TimeSpan.Zero));

        store.Add(record, History(1), 1);

        Assert.True(store.TryGet(record.Arn, out var read));
        Assert.Equal(record, read);
        Assert.Equal(1, store.Count);
        Assert.Equal(1, store.Events);
    }

    [Fact]
    public void PackHistory_KeptExecution_UnpacksToTheEventsThatWereAdded()
    {
        var store = new RetainedExecutions();
        store.Add(Record(7), History(7), 1);

        var packed = store.PackHistory(Record(7).Arn)!;
        var events = new List<HistoryEvent>();
        HistoryEventPacking.Unpack(packed, events);

        var e = Assert.Single(events);
        Assert.Equal("ExecutionStarted", e.Type);
        Assert.Equal(638712864000000007, e.Timestamp.UtcTicks);
        Assert.Equal("""{"input":"{\"i\":7}"}""", e.DetailsJson);
        Assert.Null(store.PackHistory(Record(8).Arn));
    }

    [Fact]
    public void TryGet_AfterManyExecutionsAcrossChunks_FindsEachOneByArn()
    {
        // About 1.6 KB per entry: 3,000 of them (about 5 MB) fill every chunk size from the first to the largest.
        var store = new RetainedExecutions();
        var pad = new string('p', 600);
        for (var i = 0; i < 3000; i++)
        {
            store.Add(Record(i, output: pad + i), History(i), 1);
        }

        for (var i = 0; i < 3000; i++)
        {
            Assert.True(store.TryGet(Record(i).Arn, out var read));
            Assert.Equal($"e-{i}", read.Name);
            Assert.Equal(pad + i, read.Output);
        }

        Assert.False(store.Contains(Record(3000).Arn));
        Assert.Equal(3000, store.Count);
    }

    [Fact]
    public void MoveOldest_AtTheBound_LetsGoOldestFirstAndKeepsTheRest()
    {
        var store = new RetainedExecutions();
        var pad = new string('p', 900);
        for (var i = 0; i < 1000; i++)
        {
            store.Add(Record(i, output: pad), History(i), 2);
            while (store.Events > 200)
            {
                Assert.True(store.MoveOldest());
            }
        }

        Assert.Equal(100, store.Count);
        Assert.Equal(200, store.Events);
        Assert.All(Enumerable.Range(0, 900), i => Assert.False(store.Contains(Record(i).Arn)));
        Assert.All(Enumerable.Range(900, 100), i => Assert.True(store.Contains(Record(i).Arn)));
        var listed = new List<ExecutionRecord>();
        store.AddRecordsTo(listed, MachineArn);
        Assert.Equal(Enumerable.Range(900, 100).Select(i => $"e-{i}"), listed.Select(r => r.Name));
    }

    [Fact]
    public void Add_RecordOnly_IsFoundWithAnEmptyHistoryAndNoEvents()
    {
        // What the engine keeps of an execution when a durable journal holds its history.
        var store = new RetainedExecutions();
        store.Add(Record(1), [], 0);

        Assert.True(store.TryGet(Record(1).Arn, out var read));
        Assert.Equal(Record(1), read);
        Assert.Equal("[]", Encoding.UTF8.GetString(store.PackHistory(Record(1).Arn)!));
        Assert.Equal(0, store.Events);
    }

    [Fact]
    public void TryGet_EntriesNotYetIndexedAndSomeLetGo_FindsExactlyTheLiveOnes()
    {
        // New entries reach the index in batches: lookups must see the ones still waiting, and not the let-go ones
        // among them, also once those are indexed (as let-go slots) and the index is rebuilt.
        var store = new RetainedExecutions(hash: arn => arn.Length);
        for (var i = 0; i < 45; i++)
        {
            store.Add(Record(i), History(i), 1);
        }

        for (var i = 0; i < 40; i++)
        {
            store.MoveOldest();
        }

        Assert.All(Enumerable.Range(0, 40), i => Assert.False(store.Contains(Record(i).Arn)));
        Assert.All(Enumerable.Range(40, 5), i => Assert.True(store.Contains(Record(i).Arn)));
        for (var i = 45; i < 200; i++)
        {
            store.Add(Record(i), History(i), 1);
        }

        Assert.All(Enumerable.Range(0, 40), i => Assert.False(store.Contains(Record(i).Arn)));
        Assert.All(Enumerable.Range(40, 160), i => Assert.True(store.TryGet(Record(i).Arn, out var read) && read.Name == $"e-{i}"));
        Assert.Equal(160, store.Count);
    }

    [Fact]
    public void TryGet_TwoArnsWithTheSameHash_AnswersEachWithItsOwnRecord()
    {
        var store = new RetainedExecutions(hash: _ => 42);
        store.Add(Record(1, output: "one"), History(1), 1);
        store.Add(Record(2, output: "two"), History(2), 1);

        Assert.True(store.TryGet(Record(1).Arn, out var first));
        Assert.True(store.TryGet(Record(2).Arn, out var second));
        Assert.False(store.Contains(Record(3).Arn));
        Assert.Equal("one", first.Output);
        Assert.Equal("two", second.Output);

        // The older one let go: the newer one, same hash, is still found; the older is not.
        store.MoveOldest();
        Assert.False(store.Contains(Record(1).Arn));
        Assert.True(store.TryGet(Record(2).Arn, out var still));
        Assert.Equal("two", still.Output);
    }

    [Fact]
    public void Add_AHistoryLargerThanAChunk_IsKeptAndLetGo()
    {
        var store = new RetainedExecutions();
        var big = Encoding.UTF8.GetBytes($$"""[1,0,0,"ExecutionStarted",{"input":"{{new string('x', 600_000)}}"}]""");
        store.Add(Record(1), History(1), 1);
        store.Add(Record(2), big, 1);
        store.Add(Record(3), History(3), 1);

        Assert.Equal(big.Length + 2, store.PackHistory(Record(2).Arn)!.Length);
        store.MoveOldest();
        store.MoveOldest();
        Assert.False(store.Contains(Record(2).Arn));
        Assert.True(store.Contains(Record(3).Arn));
    }

    [Fact]
    public void Add_AfterEveryEntryWasLetGo_StartsOverAndFindsOnlyNewEntries()
    {
        var store = new RetainedExecutions(hash: _ => 7);
        store.Add(Record(1), History(1), 1);
        store.MoveOldest();
        Assert.False(store.MoveOldest());

        store.Add(Record(2), History(2), 1);

        Assert.Equal(1, store.Count);
        Assert.False(store.Contains(Record(1).Arn));
        Assert.True(store.Contains(Record(2).Arn));
    }

    [Fact]
    public async Task ListExecutions_KeptAndArchivedExecutionsOfTwoMachines_ListsEachMachinesOwnOnce()
    {
        // Durable journal: the engine keeps records only and reads every history from the journal, whatever the bound.
        var journal = new InMemoryExecutionJournal(keepPositions: true);
        await using var h = new EngineHarness(journal, options: new EngineOptions { MaxRetainedHistoryEvents = 8 });
        var first = await h.CreateAsync(Definition, "first");
        var second = await h.CreateAsync(Definition, "second");
        for (var i = 0; i < 5; i++)
        {
            await h.Engine.StartSyncExecutionAsync(new StartExecutionRequest(first, $"a{i}", "{}"), EngineHarness.Timeout);
            await h.Engine.StartSyncExecutionAsync(new StartExecutionRequest(second, $"b{i}", "{}"), EngineHarness.Timeout);
        }

        var listed = await h.Engine.ListExecutionsAsync(new ListExecutionsRequest(first, null, null, null), EngineHarness.Timeout);
        var archivedHistory = await h.HistoryAsync(listed.Items.Single(e => e.Name == "a0").ExecutionArn);

        Assert.Equal(["a0", "a1", "a2", "a3", "a4"], listed.Items.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.All(listed.Items, e => Assert.Equal("SUCCEEDED", e.Status));
        Assert.Equal(4, archivedHistory.Count);
    }
}
