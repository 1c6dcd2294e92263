using System.Text.Encodings.Web;
using System.Text.Json;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.Language;

namespace FileUploader.StateMachine.Definition;

/// <summary>
/// A parsed and validated definition (the top level, a Parallel branch or a Map's ItemProcessor). Built once per
/// state machine and shared by every execution, so nothing here may change after parsing.
/// </summary>
internal sealed class StateMachineDefinition(string startAt, IReadOnlyDictionary<string, StateNode> states, int? timeoutSeconds)
{
    public string StartAt { get; } = startAt;

    public IReadOnlyDictionary<string, StateNode> States { get; } = ResolveTransitions(states);

    /// <summary>The state named <see cref="StartAt"/>, or null when there is none.</summary>
    public StateNode? StartState { get; } = states.GetValueOrDefault(startAt);

    /// <summary>
    /// Points every Next (and a Choice's rule targets and Default) at its state object once, at parse time, so a
    /// transition does not look its target up by name (hashing the name was a visible share of a short execution).
    /// </summary>
    private static IReadOnlyDictionary<string, StateNode> ResolveTransitions(IReadOnlyDictionary<string, StateNode> states)
    {
        foreach (var state in states.Values)
        {
            state.NextState = state.Next is null ? null : states.GetValueOrDefault(state.Next);
            if (state is ChoiceState choice)
            {
                choice.DefaultState = choice.Default is null ? null : states.GetValueOrDefault(choice.Default);
                foreach (var branch in choice.Choices)
                {
                    branch.NextState = states.GetValueOrDefault(branch.Next);
                }
            }
        }

        return states;
    }

    /// <summary>Top level only: the execution fails with States.Timeout after this many seconds.</summary>
    public int? TimeoutSeconds { get; } = timeoutSeconds;

    /// <summary>
    /// True when a run of this machine can never await: only Pass, Choice, Succeed and Fail states, and Parallel/Map
    /// states without Retry (a retry waits) whose own machines are synchronous. Such a run finishes on the caller's
    /// thread, so Parallel branches and Map iterations of it run one after the other and need no cancellation of
    /// their own.
    /// </summary>
    public bool IsSynchronous
    {
        get
        {
            // Computed once; an int, not a bool?, so threads racing to compute it never read a torn value.
            if (_isSynchronous == 0)
            {
                _isSynchronous = States.Values.All(static s => s switch
                {
                    PassState or ChoiceState or SucceedState or FailState => true,
                    ParallelState parallel => parallel.Retry.Count == 0 && parallel.BranchesAreSynchronous,
                    MapState map => map.Retry.Count == 0 && map.Processor.IsSynchronous,
                    _ => false,
                }) ? 1 : 2;
            }

            return _isSynchronous == 1;
        }
    }

    private int _isSynchronous;
}

internal enum StateType
{
    Pass,
    Task,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
}

/// <summary>
/// One state. Paths keep AWS's three-way meaning: absent means the default <c>$</c>, JSON null is held as
/// <see langword="null"/> (discard / empty object), anything else is the path text.
/// </summary>
internal abstract class StateNode(string name, StateType type)
{
    public string Name { get; } = name;

    public StateType Type { get; } = type;

    public string? Next { get; init; }

    public bool End { get; init; }

    /// <summary>The state <see cref="Next"/> names (set once by the definition that holds this state), or null.</summary>
    public StateNode? NextState { get; internal set; }

    public string? InputPath { get; init; } = "$";

    public string? OutputPath { get; init; } = "$";

    /// <summary>
    /// <see cref="InputPath"/> compiled on first use (null when absent or <c>$</c>): a visit does not look the path up
    /// by its text (hashing it per transition showed). Compiling is a pure function of the text, so threads racing here agree.
    /// </summary>
    public CompiledJsonPath? InputPathQuery => InputPath is null or "$" ? null : field ??= JsonPathQuery.Compile(InputPath);

    /// <summary><see cref="OutputPath"/> compiled on first use, as <see cref="InputPathQuery"/>.</summary>
    public CompiledJsonPath? OutputPathQuery => OutputPath is null or "$" ? null : field ??= JsonPathQuery.Compile(OutputPath);

    /// <summary>The Assign object (JSONPath flavour: "x.$" keys, intrinsics), or null when absent.</summary>
    public DocObject? Assign { get; init; }

    /// <summary>True when any field of this state mentions <c>$$</c>, so the context object must be built.</summary>
    public bool UsesContext { get; init; }

    /// <summary>
    /// The name, the Entered and the Exited event type as the history writes them (relaxed escaping, as every history
    /// string), encoded once: every visit of the state writes them.
    /// </summary>
    public JsonEncodedText NameText { get; } = JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);

    public JsonEncodedText EnteredEventTypeText { get; } = JsonEncodedText.Encode(PrefixOf(type) + "Entered");

    public JsonEncodedText ExitedEventTypeText { get; } = JsonEncodedText.Encode(PrefixOf(type) + "Exited");

    /// <summary>The history event name prefix (PassState, TaskState, …).</summary>
    public string EventPrefix => PrefixOf(Type);

    private static string PrefixOf(StateType type) => type switch
    {
        StateType.Pass => "PassState",
        StateType.Task => "TaskState",
        StateType.Choice => "ChoiceState",
        StateType.Wait => "WaitState",
        StateType.Succeed => "SucceedState",
        StateType.Fail => "FailState",
        StateType.Parallel => "ParallelState",
        _ => "MapState",
    };

    /// <summary>The Entered event type (PassStateEntered, …), built once: every visit of the state records it.</summary>
    public string EnteredEventType => field ??= EventPrefix + "Entered";

    /// <summary>The Exited event type (PassStateExited, …), built once.</summary>
    public string ExitedEventType => field ??= EventPrefix + "Exited";
}

/// <summary>The states that produce a result merged by ResultPath and may Retry/Catch (Task, Parallel, Map).</summary>
internal abstract class ResultStateNode(string name, StateType type) : StateNode(name, type)
{
    public DocNode? Parameters { get; init; }

    /// <summary>
    /// <see cref="Parameters"/> compiled on first use: a visit does not find the compiled form through the shared
    /// table keyed by the template node (that lookup showed per transition).
    /// </summary>
    public CompiledTemplate? ParametersTemplate => Parameters is null ? null : field ??= PayloadTemplate.Compile(Parameters);

    public DocNode? ResultSelector { get; init; }

    /// <summary><see cref="ResultSelector"/> compiled on first use, as <see cref="ParametersTemplate"/>.</summary>
    public CompiledTemplate? ResultSelectorTemplate => ResultSelector is null ? null : field ??= PayloadTemplate.Compile(ResultSelector);

    public string? ResultPath { get; init; } = "$";

    /// <summary><see cref="ResultPath"/> parsed on first use (null when absent or <c>$</c>), as <see cref="StateNode.InputPathQuery"/>.</summary>
    public ReferencePath? ResultPathReference => ResultPath is null or "$" ? null : field ??= ReferencePath.Parse(ResultPath);

    public IReadOnlyList<Retrier> Retry { get; init; } = [];

    public IReadOnlyList<Catcher> Catch { get; init; } = [];
}

internal sealed class PassState(string name) : StateNode(name, StateType.Pass)
{
    public DocNode? Result { get; init; }

    public bool HasResult { get; init; }

    public DocNode? Parameters { get; init; }

    /// <summary><see cref="Parameters"/> compiled on first use, as <see cref="ResultStateNode.ParametersTemplate"/>.</summary>
    public CompiledTemplate? ParametersTemplate => Parameters is null ? null : field ??= PayloadTemplate.Compile(Parameters);

    public string? ResultPath { get; init; } = "$";

    /// <summary><see cref="ResultPath"/> parsed on first use (null when absent or <c>$</c>), as <see cref="StateNode.InputPathQuery"/>.</summary>
    public ReferencePath? ResultPathReference => ResultPath is null or "$" ? null : field ??= ReferencePath.Parse(ResultPath);
}

internal sealed class TaskState(string name) : ResultStateNode(name, StateType.Task)
{
    public required string Resource { get; init; }

    public int? TimeoutSeconds { get; init; }

    public string? TimeoutSecondsPath { get; init; }

    public int? HeartbeatSeconds { get; init; }

    public string? HeartbeatSecondsPath { get; init; }
}

internal sealed record ChoiceBranch(ChoiceRule Rule, string Next, DocObject? Assign)
{
    /// <summary>The state <see cref="Next"/> names (set once by the definition that holds the Choice state), or null.</summary>
    public StateNode? NextState { get; internal set; }
}

internal sealed class ChoiceState(string name) : StateNode(name, StateType.Choice)
{
    public IReadOnlyList<ChoiceBranch> Choices { get; init; } = [];

    public string? Default { get; init; }

    /// <summary>The state <see cref="Default"/> names (set once by the definition that holds this state), or null.</summary>
    public StateNode? DefaultState { get; internal set; }
}

internal sealed class WaitState(string name) : StateNode(name, StateType.Wait)
{
    public long? Seconds { get; init; }

    public DateTimeOffset? Timestamp { get; init; }

    public string? SecondsPath { get; init; }

    public string? TimestampPath { get; init; }
}

internal sealed class SucceedState(string name) : StateNode(name, StateType.Succeed);

internal sealed class FailState(string name) : StateNode(name, StateType.Fail)
{
    public string? Error { get; init; }

    public string? Cause { get; init; }

    public string? ErrorPath { get; init; }

    public string? CausePath { get; init; }
}

internal sealed class ParallelState(string name) : ResultStateNode(name, StateType.Parallel)
{
    public IReadOnlyList<StateMachineDefinition> Branches { get; init; } = [];

    /// <summary>True when every branch is <see cref="StateMachineDefinition.IsSynchronous"/>.</summary>
    public bool BranchesAreSynchronous => Branches.All(static b => b.IsSynchronous);
}

internal sealed class MapState(string name) : ResultStateNode(name, StateType.Map)
{
    public required StateMachineDefinition Processor { get; init; }

    /// <summary>DISTRIBUTED processors run inline here but, as in AWS, cannot see the outer variables.</summary>
    public bool Distributed { get; init; }

    public string? ItemsPath { get; init; } = "$";

    /// <summary>ItemSelector, or the legacy Parameters (same meaning inside a Map).</summary>
    public DocNode? ItemSelector { get; init; }

    public int? MaxConcurrency { get; init; }

    public string? MaxConcurrencyPath { get; init; }

    public int? ToleratedFailureCount { get; init; }

    public string? ToleratedFailureCountPath { get; init; }

    public double? ToleratedFailurePercentage { get; init; }

    public string? ToleratedFailurePercentagePath { get; init; }
}

internal enum JitterStrategy
{
    None,
    Full,
}

internal sealed record Retrier(
    IReadOnlyList<string> ErrorEquals,
    double IntervalSeconds,
    int MaxAttempts,
    double BackoffRate,
    double? MaxDelaySeconds,
    JitterStrategy Jitter);

internal sealed record Catcher(IReadOnlyList<string> ErrorEquals, string Next, string? ResultPath, DocObject? Assign);
