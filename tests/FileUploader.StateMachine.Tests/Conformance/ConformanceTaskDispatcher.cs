using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Tasks;

namespace FileUploader.StateMachine.Tests.Conformance;

/// <summary>
/// The Lambda functions the cases call, chosen by the function name at the end of the ARN (or the bare name given to
/// lambda:invoke). Each is deterministic; counters are per execution and state so retry cases can assert attempts.
/// </summary>
internal sealed class ConformanceTaskDispatcher(TimeProvider time) : ITaskDispatcher
{
    private readonly ConcurrentDictionary<string, int> _invocations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    /// <summary>How many times each function ran, for <c>expect.invocations</c>.</summary>
    public int Invocations(string function) => _invocations.TryGetValue(function, out var count) ? count : 0;

    public async ValueTask<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken)
    {
        var function = FunctionName(invocation.FunctionArn);
        _invocations.AddOrUpdate(function, 1, (_, count) => count + 1);
        var input = invocation.Input;
        switch (function)
        {
            case "Echo":
                return input?.DeepClone();
            case "Add":
                return Add(input);
            case "Fail":
                throw new TaskFailedException((string?)input?["error"] ?? "CustomError", (string?)input?["cause"] ?? string.Empty);
            case "FailTimes":
            {
                // Fails the first N attempts of this state in this execution, then reports how many attempts it took.
                var attempt = NextAttempt(invocation);
                var times = (int?)input?["times"] ?? 0;
                if (attempt <= times)
                {
                    throw new TaskFailedException((string?)input?["error"] ?? "Transient", $"attempt {attempt}");
                }

                return new JsonObject { ["attempts"] = attempt, ["input"] = input?.DeepClone() };
            }

            case "FailSequence":
            {
                // Attempt k fails with errors[k-1]; once the list is used up the task succeeds.
                var attempt = NextAttempt(invocation);
                var errors = input?["errors"] as JsonArray ?? [];
                if (attempt <= errors.Count)
                {
                    throw new TaskFailedException((string?)errors[attempt - 1] ?? "Unnamed", $"attempt {attempt}");
                }

                return new JsonObject { ["attempts"] = attempt };
            }

            case "Sleep":
            {
                // Waits on the engine's clock, so a FakeTimeProvider drives TimeoutSeconds cases without real sleeps.
                var seconds = (double?)input?["seconds"] ?? 0;
                await Task.Delay(TimeSpan.FromSeconds(seconds), time, cancellationToken);
                return input?.DeepClone();
            }

            case "Count":
                return new JsonObject { ["count"] = NextAttempt(invocation with { StateName = "*" }) };
            default:
                throw new TaskFailedException("Conformance.UnknownFunction", $"No test function named '{function}' ({invocation.FunctionArn})");
        }
    }

    /// <summary>arn:aws:lambda:region:account:function:Name[:qualifier] or a bare name → Name.</summary>
    public static string FunctionName(string arn)
    {
        const string marker = ":function:";
        var at = arn.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return arn;
        }

        var name = arn[(at + marker.Length)..];
        var qualifier = name.IndexOf(':', StringComparison.Ordinal);
        return qualifier < 0 ? name : name[..qualifier];
    }

    private int NextAttempt(TaskInvocation invocation) =>
        _attempts.AddOrUpdate($"{invocation.ExecutionArn}|{invocation.StateName}|{FunctionName(invocation.FunctionArn)}", 1, (_, count) => count + 1);

    private static JsonNode Add(JsonNode? input)
    {
        var a = input?["a"]?.GetValue<decimal>() ?? throw new TaskFailedException("Add.BadInput", "'a' is required");
        var b = input?["b"]?.GetValue<decimal>() ?? throw new TaskFailedException("Add.BadInput", "'b' is required");
        var sum = a + b;
        return sum == decimal.Truncate(sum) ? JsonValue.Create((long)sum) : JsonValue.Create(sum);
    }
}
