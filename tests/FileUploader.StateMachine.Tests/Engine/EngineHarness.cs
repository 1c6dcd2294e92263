using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;
using FileUploader.StateMachine.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// An in-process task host for tests: functions registered by name (the last segment of a Lambda ARN, or the
/// FunctionName of lambda:invoke). It is the real port the server implements, with test code behind it.
/// </summary>
internal sealed class FunctionTable : ITaskDispatcher
{
    private readonly ConcurrentDictionary<string, Func<TaskInvocation, CancellationToken, ValueTask<JsonNode?>>> _functions = new(StringComparer.Ordinal);

    public ConcurrentQueue<TaskInvocation> Calls { get; } = new();

    public int CallCount(string function) => Calls.Count(c => NameOf(c.FunctionArn) == function);

    public FunctionTable Add(string name, Func<JsonNode?, JsonNode?> handler)
    {
        _functions[name] = (invocation, _) => ValueTask.FromResult(handler(invocation.Input));
        return this;
    }

    public FunctionTable Add(string name, Func<TaskInvocation, CancellationToken, ValueTask<JsonNode?>> handler)
    {
        _functions[name] = handler;
        return this;
    }

    public ValueTask<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken)
    {
        Calls.Enqueue(invocation);
        return _functions.TryGetValue(NameOf(invocation.FunctionArn), out var handler)
            ? handler(invocation, cancellationToken)
            : throw new TaskFailedException("FunctionNotFound", $"No function named {invocation.FunctionArn}");
    }

    private static string NameOf(string arn) => arn.Contains(':', StringComparison.Ordinal) ? arn[(arn.LastIndexOf(':') + 1)..] : arn;
}

/// <summary>One engine over a journal with a fake clock, plus helpers to create and run machines.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public const string LambdaArnPrefix = "arn:aws:lambda:us-east-1:123456789012:function:";

    public EngineHarness(IExecutionJournal? journal = null, FunctionTable? functions = null, FakeTimeProvider? time = null, EngineOptions? options = null)
    {
        Journal = journal ?? new InMemoryExecutionJournal();
        Functions = functions ?? new FunctionTable();
        Time = time ?? new TimerCountingClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Engine = new WorkflowEngine(options ?? new EngineOptions(), Functions, Journal, Time);
    }

    public IExecutionJournal Journal { get; }

    public FunctionTable Functions { get; }

    public FakeTimeProvider Time { get; }

    public WorkflowEngine Engine { get; }

    public static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    /// <summary>Creates a machine; "@LAMBDA@name" in the definition stands for that Lambda function's ARN.</summary>
    public async Task<string> CreateAsync(string definition, string name = "machine")
    {
        var created = await Engine.CreateStateMachineAsync(new CreateStateMachineRequest(name, definition.Replace("@LAMBDA@", LambdaArnPrefix, StringComparison.Ordinal), null, null), Timeout);
        return created.StateMachineArn;
    }

    public async Task<ExecutionDescription> RunAsync(string definition, string input = "{}", string name = "machine")
    {
        var arn = await CreateAsync(definition, name);
        return await Engine.StartSyncExecutionAsync(new StartExecutionRequest(arn, null, input), Timeout);
    }

    public async Task<IReadOnlyList<HistoryEventView>> HistoryAsync(string executionArn)
    {
        var page = await Engine.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(executionArn, 1000, null, false), Timeout);
        return page.Items;
    }

    /// <summary>Waits (on real events, not time) until the execution's history satisfies <paramref name="condition"/>.</summary>
    public async Task WaitForHistoryAsync(string executionArn, Func<IReadOnlyList<HistoryEventView>, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition(await HistoryAsync(executionArn)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The history never reached the expected shape: " + string.Join(", ", (await HistoryAsync(executionArn)).Select(e => e.Type)));
            }

            await Task.Yield();
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System);
        }
    }

    /// <summary>
    /// Waits (on real events, not time) until the engine has created at least <paramref name="count"/> timers on the
    /// fake clock since the harness started. A history event is visible before the engine computes the due time that
    /// follows it (a retry's backoff, a Wait's end) from the clock and arms its timer; a test that moves the clock in
    /// that gap makes the engine count from the later time, so tests that advance the clock after an event wait here first.
    /// </summary>
    public async Task WaitForTimersAsync(int count)
    {
        var clock = Time as TimerCountingClock
            ?? throw new InvalidOperationException("Only the harness's own clock counts its timers.");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (clock.TimersCreated < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The engine created {clock.TimersCreated} timers, not {count}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(2), TimeProvider.System);
        }
    }

    public ValueTask DisposeAsync() => Engine.DisposeAsync();
}

/// <summary>A fake clock that counts the timers created on it (see <see cref="EngineHarness.WaitForTimersAsync"/>).</summary>
internal sealed class TimerCountingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private int _timersCreated;

    public int TimersCreated => Volatile.Read(ref _timersCreated);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timersCreated);
        return timer;
    }
}

internal static class Json
{
    public static JsonNode? Parse(string? text) => text is null ? null : JsonNode.Parse(text);

    public static void Equal(string expected, string? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), Parse(actual)), $"Expected {expected} but got {actual}");

    public static string Details(HistoryEventView e, string field) =>
        JsonDocument.Parse(e.DetailsJson!).RootElement.GetProperty(field).ToString();
}
