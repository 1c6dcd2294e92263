using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Definition;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;
using Microsoft.Data.Sqlite;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// The engine's fast paths keep what they replaced: history rendered once into a packed log reads exactly as the
/// JSON writer would have written it, synchronous machines on a durable journal are journaled whole in one commit,
/// and group commit loses no batch and lets no bad batch fail the others.
/// </summary>
public sealed class HistoryAndJournalTests : IDisposable
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly TempJournalFile _journalFile = new("fu-history");

    public void Dispose() => _journalFile.Dispose();

    [Fact]
    public async Task History_DocumentsWithQuotesBackslashesAndUnicode_AreEscapedExactlyAsTheJsonWriterWould()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Parameters":{"x.$":"$.s","y":"q\"uo\\te <b>&amp; é 😀 \u2028 \u0007"},"ResultPath":"$.r","Next":"B"},
              "B":{"Type":"Pass","InputPath":"$.r","End":true}}}
            """;
        const string input = """{"s":"he said \"hi\" \\ back\\slash\n tab\t <script> é 😀 \u2028 \u0001"}""";

        var done = await h.RunAsync(definition, input);

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        Assert.Equal(
            ["ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
            history.Select(e => e.Type));
        var documents = 0;
        foreach (var e in history)
        {
            var details = JsonNode.Parse(e.DetailsJson!)!.AsObject();
            foreach (var field in new[] { "input", "output" })
            {
                if (details[field] is JsonValue text)
                {
                    // The embedded document is the compact JSON text, escaped byte for byte as Utf8JsonWriter escapes it.
                    var expected = $"\"{field}\":{JsonSerializer.Serialize(text.GetValue<string>(), Relaxed)}";
                    Assert.Contains(expected, e.DetailsJson, StringComparison.Ordinal);
                    Assert.NotNull(JsonNode.Parse(text.GetValue<string>()));
                    documents++;
                }
            }
        }

        Assert.Equal(6, documents);
        Json.Equal(Json.Details(history[2], "output"), Json.Details(history[3], "input"));
        Json.Equal(done.Output!, Json.Details(history[4], "output"));
        Json.Equal(done.Output!, """{"x":"he said \"hi\" \\ back\\slash\n tab\t <script> é 😀 \u2028 \u0001","y":"q\"uo\\te <b>&amp; é 😀 \u2028 \u0007"}""");
    }

    [Fact]
    public async Task History_SynchronousMachineOnSqlite_IsJournaledWholeInOneCommitAndReadsBackAsServedFromMemory()
    {
        const string definition = """
            {"StartAt":"Fan","States":{"Fan":{"Type":"Parallel","End":true,"Branches":[
              {"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","ResultPath":"$.a","Next":"B"},"B":{"Type":"Pass","End":true}}},
              {"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":1,"Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}]}}}
            """;
        IReadOnlyList<HistoryEventView> served;
        ExecutionDescription done;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var h = new EngineHarness(journal);
            done = await h.RunAsync(definition, """{"v":1}""");
            served = await h.HistoryAsync(done.ExecutionArn);
            Assert.Empty(journal.LoadFrames(done.ExecutionArn));
        }

        using (var reopened = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            var stored = reopened.LoadHistory(done.ExecutionArn);
            Assert.Equal("SUCCEEDED", done.Status);
            Json.Equal("""[{"v":1,"a":"a"},{"v":1}]""", done.Output);
            Assert.Equal(served.Select(e => (e.Id, e.PreviousEventId, e.Type, e.DetailsJson)), stored.Select(e => (e.Id, e.PreviousEventId, e.Type, e.DetailsJson)));
            Assert.Equal(stored.Select((_, i) => (long)i + 1), stored.Select(e => e.Id));
            Assert.Equal("SUCCEEDED", reopened.LoadExecutions().Single(e => e.Arn == done.ExecutionArn).Status);
        }

        // The journal holds its file exclusively while open, so the file is read directly only once it is closed.

        // Nothing in it can await, so it was journaled in one transaction: one packed batch, in the execution's own row.
        using var connection = new SqliteConnection($"Data Source={_journalFile.Path};Pooling=False");
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT (SELECT COUNT(*) FROM runs WHERE first_events IS NOT NULL) + (SELECT COUNT(*) FROM run_events)";
        Assert.Equal(1L, (long)query.ExecuteScalar()!);
    }

    [Fact]
    public async Task History_EnteredInputThatIsThePreviousOutput_IsStoredOnceAndServedInFull()
    {
        const string definition = """
            {"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"C"},"C":{"Type":"Pass","End":true}}}
            """;
        ExecutionDescription done;
        IReadOnlyList<HistoryEventView> served;
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            await using var h = new EngineHarness(journal);
            done = await h.RunAsync(definition, """{"marker":"m-42"}""");
            served = await h.HistoryAsync(done.ExecutionArn);
        }

        // Served: ExecutionStarted, 3 × Entered, 3 × Exited and ExecutionSucceeded each carry the document.
        Assert.Equal(8, served.Count(e => e.DetailsJson!.Contains("m-42", StringComparison.Ordinal)));
        Assert.All(served.Where(e => e.Type == "PassStateEntered"), e => Json.Equal("""{"marker":"m-42"}""", Json.Details(e, "input")));

        // Stored: B's and C's input is A's and B's output, kept once.
        using var connection = new SqliteConnection($"Data Source={_journalFile.Path};Pooling=False");
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT first_events FROM runs";
        var stored = System.Text.Encoding.UTF8.GetString(PackedEventsCompression.Decode((byte[])query.ExecuteScalar()!).Span);
        Assert.Equal(6, stored.Split("m-42").Length - 1);
    }

    [Fact]
    public async Task Write_ManyThreadsAtOnce_EveryBatchIsCommittedAndABadBatchFailsAlone()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var journal = SqliteExecutionJournal.Open(_journalFile.Path);
        using var go = new ManualResetEventSlim();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Factory.StartNew(() =>
        {
            go.Wait();
            var failures = 0;
            for (var i = 0; i < 50; i++)
            {
                var arn = $"arn:aws:states:us-east-1:123456789012:execution:m:w{w}-{i}";

                // Every tenth batch of writer 0 breaks a NOT NULL constraint: only that batch may fail.
                var bad = w == 0 && i % 10 == 0;
                var record = new ExecutionRecord(arn, "arn:aws:states:us-east-1:123456789012:stateMachine:m", bad ? null! : $"w{w}-{i}", "SUCCEEDED",
                    start, start, "{}", "{}", null, null, """{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}""", "role", null);
                var batch = new ExecutionBatch(arn, record, [new HistoryEvent(1, 0, start, "ExecutionStarted", """{"input":"{}"}""")], [], [], DeleteAllFrames: true);
                try
                {
                    journal.Write(batch);
                }
                catch (SqliteException) when (bad)
                {
                    failures++;
                }
            }

            return failures;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        go.Set();
        var failed = await Task.WhenAll(writers).WaitAsync(EngineHarness.Timeout);

        Assert.Equal(5, failed.Sum());
        var executions = journal.LoadExecutions();
        Assert.Equal(8 * 50 - 5, executions.Count);
        Assert.All(executions, e => Assert.Equal("ExecutionStarted", Assert.Single(journal.LoadHistory(e.Arn)).Type));
    }

    [Theory]
    [InlineData("""{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"S"}],"Default":"F"},"S":{"Type":"Succeed"},"F":{"Type":"Fail"}}}""", true)]
    [InlineData("""{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}""", true)]
    [InlineData("""{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}""", false)]
    [InlineData("""{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}}""", false)]
    [InlineData("""{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}}}}""", false)]
    [InlineData("""{"StartAt":"X","States":{"X":{"Type":"Parallel","End":true,"Retry":[{"ErrorEquals":["States.ALL"]}],"Branches":[{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}]}}}""", false)]
    public void IsSynchronous_ByStateTypes_TrueOnlyWhenNothingCanAwait(string definition, bool expected)
    {
        var parsed = DefinitionParser.Parse(definition, out var diagnostics);

        Assert.NotNull(parsed);
        Assert.DoesNotContain(diagnostics, d => d.Severity == "ERROR");
        Assert.Equal(expected, parsed.IsSynchronous);
    }

    [Fact]
    public async Task ResultPath_ThroughAStringWithResultFromTheInput_FailsNamingTheUnchangedInput()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Copy","States":{"Copy":{"Type":"Pass","InputPath":"$.a","ResultPath":"$.s.deeper","End":true}}}
            """;

        var done = await h.RunAsync(definition, """{"a":{"n":1},"s":"text"}""");

        Assert.Equal("FAILED", done.Status);
        Assert.Equal("States.ResultPathMatchFailure", done.Error);
        Assert.Contains("""to input '{"a":{"n":1},"s":"text"}'""", done.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResultPath_InputPathSubtreeCopiedBackIntoTheInput_KeepsBothAndLaterChangesDoNotAlias()
    {
        await using var h = new EngineHarness();
        const string definition = """
            {"StartAt":"Copy","States":{
              "Copy":{"Type":"Pass","InputPath":"$.a","ResultPath":"$.b","Next":"Change"},
              "Change":{"Type":"Pass","Result":2,"ResultPath":"$.a.n","End":true}}}
            """;

        var done = await h.RunAsync(definition, """{"a":{"n":1}}""");

        Json.Equal("""{"a":{"n":2},"b":{"n":1}}""", done.Output);
        var history = await h.HistoryAsync(done.ExecutionArn);
        Json.Equal("""{"a":{"n":1},"b":{"n":1}}""", Json.Details(history.Single(e => e.Type == "PassStateExited" && e.DetailsJson!.Contains("\"Copy\"", StringComparison.Ordinal)), "output"));
    }
}
