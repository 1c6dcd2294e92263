using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;

namespace FileUploader.StateMachine.Tests.Conformance;

/// <summary>
/// Runs one case on a fresh in-memory <see cref="WorkflowEngine"/> and lists every way the outcome differs from the
/// case's <c>expect</c> (empty when it conforms). Time is virtual: the runner jumps the clock to the next armed timer
/// whenever the engine is idle, so Wait, Retry and TimeoutSeconds cases run instantly and their elapsed time is exact.
/// </summary>
internal static class ConformanceRunner
{
    /// <summary>Where the virtual clock starts; Timestamp cases are written relative to it.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // A safety net for a hung engine, not a timing assertion: cases take milliseconds.
    private static readonly TimeSpan RealTimeLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DisposeLimit = TimeSpan.FromSeconds(5);

    // The engine is considered idle (waiting on the clock) when neither its timers nor its history changed for this
    // many consecutive polls and the thread pool has nothing queued: on a loaded machine (the whole suite runs in
    // parallel on two cores) an execution's next step can sit in the pool's queue for longer than a few polls, and
    // jumping the clock then fires a timer before a step that would have come first.
    private const int QuietPollsBeforeAdvance = 4;

    // Other tests keep the shared pool busy, so a queue that never drains must not stall a case: after this many quiet
    // polls (about a second) the engine is idle whatever the queue holds, as nothing of this execution moved.
    private const int QuietPollsWhatever = 200;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    public static async Task<IReadOnlyList<string>> RunAsync(ConformanceCase conformanceCase)
    {
        var clock = new VirtualClock(Epoch);
        var dispatcher = new ConformanceTaskDispatcher(clock);
        var engine = new WorkflowEngine(new EngineOptions(), dispatcher, new InMemoryExecutionJournal(), clock);
        using var timeout = new CancellationTokenSource(RealTimeLimit);
        var problems = new List<string>();
        try
        {
            if (conformanceCase.IsValidationCase)
            {
                await CheckValidationAsync(engine, conformanceCase, problems, timeout.Token);
            }
            else
            {
                await CheckExecutionAsync(engine, clock, dispatcher, conformanceCase, problems, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            problems.Add($"the execution did not finish within {RealTimeLimit.TotalSeconds}s of real time (virtual time {clock.GetUtcNow():O})");
        }
        finally
        {
            // A hung engine must fail its own case, not stall the whole suite.
            try
            {
                await engine.DisposeAsync().AsTask().WaitAsync(DisposeLimit);
            }
            catch (TimeoutException)
            {
                problems.Add($"the engine did not stop within {DisposeLimit.TotalSeconds}s of real time");
            }
        }

        return problems;
    }

    private static async Task CheckValidationAsync(WorkflowEngine engine, ConformanceCase c, List<string> problems, CancellationToken cancellationToken)
    {
        var expect = c.Expect;
        var expected = (string?)expect["validation"];
        var result = engine.ValidateStateMachineDefinition(c.DefinitionJson);
        if (result.Result != expected)
        {
            problems.Add($"validation: expected {expected}, got {result.Result} {Describe(result)}");
            return;
        }

        if ((string?)expect["code"] is { } code && !result.Diagnostics.Any(d => d.Code == code))
        {
            problems.Add($"validation: no diagnostic with code {code}: {Describe(result)}");
        }

        if ((string?)expect["location"] is { } location && !result.Diagnostics.Any(d => AtOrBelow(d.Location, location)))
        {
            problems.Add($"validation: no diagnostic at {location}: {Describe(result)}");
        }

        // CreateStateMachine must agree with ValidateStateMachineDefinition.
        try
        {
            await engine.CreateStateMachineAsync(new CreateStateMachineRequest(c.StateMachineName, c.DefinitionJson, null, null), cancellationToken);
            if (expected == "FAIL")
            {
                problems.Add("CreateStateMachine accepted a definition that validation rejects");
            }
        }
        catch (StepFunctionsException e)
        {
            if (expected == "OK" || e.ErrorType != StepFunctionsErrorTypes.InvalidDefinition)
            {
                problems.Add($"CreateStateMachine threw {e.ErrorType}: {e.Message}");
            }
        }
    }

    private static async Task CheckExecutionAsync(
        WorkflowEngine engine, VirtualClock clock, ConformanceTaskDispatcher dispatcher, ConformanceCase c, List<string> problems, CancellationToken cancellationToken)
    {
        var validation = engine.ValidateStateMachineDefinition(c.DefinitionJson);
        if (validation.Result != "OK")
        {
            problems.Add($"the definition was rejected: {Describe(validation)}");
            return;
        }

        foreach (var (name, definition) in c.OtherStateMachines ?? [])
        {
            await engine.CreateStateMachineAsync(new CreateStateMachineRequest(name, definition!.ToJsonString(), null, null), cancellationToken);
        }

        var machine = await engine.CreateStateMachineAsync(new CreateStateMachineRequest(c.StateMachineName, c.DefinitionJson, null, null), cancellationToken);
        var startedAt = clock.GetUtcNow();
        var input = c.Input is null ? "{}" : c.Input.ToJsonString();
        var started = await engine.StartExecutionAsync(new StartExecutionRequest(machine.StateMachineArn, c.ExecutionName, input), cancellationToken);
        var outcome = await DriveToCompletionAsync(engine, clock, started.ExecutionArn, cancellationToken);
        var elapsed = (clock.GetUtcNow() - startedAt).TotalSeconds;

        var expect = c.Expect;
        var actualSummary = $"[status {outcome.Status}, error {outcome.Error ?? "-"}, cause {outcome.Cause ?? "-"}, output {outcome.Output ?? "-"}, virtual {elapsed}s]";
        if ((string?)expect["status"] is { } status && status != outcome.Status)
        {
            problems.Add($"status: expected {status}, got {actualSummary}");
            return;
        }

        if (expect.TryGetPropertyValue("output", out var expectedOutput))
        {
            var actualOutput = outcome.Output is null ? null : JsonNode.Parse(outcome.Output);
            if (!JsonComparer.AreEqual(expectedOutput, actualOutput))
            {
                problems.Add($"output: expected {expectedOutput?.ToJsonString() ?? "null"}, got {outcome.Output ?? "(none)"}");
            }
        }

        if (expect["outputMatches"] is JsonObject patterns)
        {
            var actualOutput = outcome.Output is null ? null : JsonNode.Parse(outcome.Output);
            foreach (var (pointer, pattern) in patterns)
            {
                if (!JsonComparer.TryResolvePointer(actualOutput, pointer, out var value))
                {
                    problems.Add($"outputMatches: {pointer} is missing in {outcome.Output}");
                }
                else if (!Regex.IsMatch(JsonComparer.TextForMatching(value), (string)pattern!, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
                {
                    problems.Add($"outputMatches: {pointer} = {JsonComparer.TextForMatching(value)} does not match /{pattern}/");
                }
            }
        }

        if ((string?)expect["error"] is { } error && error != outcome.Error)
        {
            problems.Add($"error: expected {error}, got {actualSummary}");
        }

        if ((string?)expect["cause"] is { } cause && (outcome.Cause is null || !outcome.Cause.Contains(cause, StringComparison.Ordinal)))
        {
            problems.Add($"cause: expected to contain \"{cause}\", got {outcome.Cause ?? "(none)"}");
        }

        if (expect["elapsedSeconds"] is { } seconds && Math.Abs(seconds.GetValue<double>() - elapsed) > 1e-6)
        {
            problems.Add($"elapsed: expected {seconds.GetValue<double>()}s of virtual time, got {elapsed.ToString(CultureInfo.InvariantCulture)}s");
        }

        if (expect["elapsedSecondsRange"] is JsonArray range && (elapsed < range[0]!.GetValue<double>() - 1e-6 || elapsed > range[1]!.GetValue<double>() + 1e-6))
        {
            problems.Add($"elapsed: expected within [{range[0]}, {range[1]}]s, got {elapsed.ToString(CultureInfo.InvariantCulture)}s");
        }

        if (expect["invocations"] is JsonObject invocations)
        {
            foreach (var (function, count) in invocations)
            {
                var actual = dispatcher.Invocations(function);
                if (actual != count!.GetValue<int>())
                {
                    problems.Add($"invocations: expected {function} to run {count} time(s), it ran {actual}");
                }
            }
        }

        if (expect["historyTypes"] is JsonArray historyTypes)
        {
            var types = await HistoryTypesAsync(engine, started.ExecutionArn, cancellationToken);
            var expected = historyTypes.Select(t => (string)t!).ToList();
            if (!IsSubsequence(expected, types))
            {
                problems.Add($"history: expected [{string.Join(", ", expected)}] in order within [{string.Join(", ", types)}]");
            }
        }
    }

    /// <summary>
    /// Waits for the execution to leave RUNNING. Whenever the engine goes quiet with a timer armed, the clock jumps to
    /// that timer's deadline (and only then), which is what a real clock would do minus the waiting.
    /// </summary>
    private static async Task<ExecutionDescription> DriveToCompletionAsync(WorkflowEngine engine, VirtualClock clock, string executionArn, CancellationToken cancellationToken)
    {
        var completion = engine.WaitForCompletionAsync(executionArn, cancellationToken);
        (long Timers, long Events) last = (-1, -1);
        var quietPolls = 0;
        while (true)
        {
            if (await Task.WhenAny(completion, Task.Delay(PollInterval, cancellationToken)) == completion)
            {
                return await completion;
            }

            (long, long) signal = (clock.Version, await LatestEventIdAsync(engine, executionArn, cancellationToken));
            quietPolls = signal == last ? quietPolls + 1 : 0;
            last = signal;
            var idle = quietPolls >= QuietPollsWhatever || (quietPolls >= QuietPollsBeforeAdvance && ThreadPool.PendingWorkItemCount == 0);
            if (idle && clock.NextDue() is { } due)
            {
                // Timer callbacks run inside Advance; off this thread, an engine that loops in one cannot hang the runner.
                await Task.Run(() => clock.AdvanceTo(due), CancellationToken.None).WaitAsync(cancellationToken);
                quietPolls = 0;
            }
        }
    }

    private static async Task<long> LatestEventIdAsync(WorkflowEngine engine, string executionArn, CancellationToken cancellationToken)
    {
        var page = await engine.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(executionArn, 1, null, ReverseOrder: true, IncludeExecutionData: false), cancellationToken);
        return page.Items.Count == 0 ? 0 : page.Items[0].Id;
    }

    private static async Task<List<string>> HistoryTypesAsync(WorkflowEngine engine, string executionArn, CancellationToken cancellationToken)
    {
        var types = new List<string>();
        string? token = null;
        do
        {
            var page = await engine.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(executionArn, 1000, token, ReverseOrder: false, IncludeExecutionData: false), cancellationToken);
            types.AddRange(page.Items.Select(e => e.Type));
            token = page.NextToken;
        }
        while (token is not null);
        return types;
    }

    private static bool IsSubsequence(List<string> expected, List<string> actual)
    {
        var next = 0;
        foreach (var type in actual)
        {
            if (next < expected.Count && expected[next] == type)
            {
                next++;
            }
        }

        return next == expected.Count;
    }

    private static bool AtOrBelow(string? actual, string expected) =>
        actual is not null && (actual == expected || actual.StartsWith(expected + "/", StringComparison.Ordinal));

    private static string Describe(ValidationResult result) =>
        "[" + string.Join("; ", result.Diagnostics.Select(d => $"{d.Severity} {d.Code} at {d.Location ?? "-"}: {d.Message}")) + "]";
}
