using System.Text.Json;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.Language;
using FileUploader.StateMachine.Service;

namespace FileUploader.StateMachine.Definition;

/// <summary>
/// Parses a JSONPath-flavoured ASL definition and validates it the way AWS's ValidateStateMachineDefinition does,
/// collecting every problem (with its location) instead of stopping at the first one.
/// </summary>
internal sealed class DefinitionParser
{
    public const string SchemaValidationFailed = "SCHEMA_VALIDATION_FAILED";
    public const string MissingTransitionTarget = "MISSING_TRANSITION_TARGET";
    public const string InvalidJsonDescription = "INVALID_JSON_DESCRIPTION";
    public const string UnreachableState = "UNREACHABLE_STATE";
    public const string DuplicateStateName = "DUPLICATE_STATE_NAME";
    public const string UnsupportedFeature = "UNSUPPORTED_FEATURE";

    private static readonly HashSet<string> s_machineFields = ["StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"];
    private static readonly HashSet<string> s_branchFields = ["StartAt", "States", "Comment", "QueryLanguage"];
    private static readonly HashSet<string> s_processorFields = ["StartAt", "States", "Comment", "ProcessorConfig", "QueryLanguage"];

    private static readonly Dictionary<string, HashSet<string>> s_stateFields = new()
    {
        ["Pass"] = ["Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign"],
        ["Task"] = ["Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
            "Retry", "Catch", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "Assign"],
        ["Choice"] = ["Type", "Comment", "QueryLanguage", "InputPath", "OutputPath", "Choices", "Default", "Assign"],
        ["Wait"] = ["Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign"],
        ["Succeed"] = ["Type", "Comment", "QueryLanguage", "InputPath", "OutputPath"],
        ["Fail"] = ["Type", "Comment", "QueryLanguage", "Error", "Cause", "ErrorPath", "CausePath"],
        ["Parallel"] = ["Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
            "Retry", "Catch", "Branches", "Assign"],
        ["Map"] = ["Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
            "Retry", "Catch", "Iterator", "ItemProcessor", "ItemsPath", "ItemSelector", "ItemReader", "ItemBatcher", "ResultWriter",
            "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailureCount", "ToleratedFailureCountPath", "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath", "Label", "Assign"],
    };

    // AWS developer guide, Fail state: ErrorPath/CausePath accept only intrinsics whose result is a string.
    private static readonly HashSet<string> s_stringIntrinsics =
        ["States.Format", "States.JsonToString", "States.ArrayGetItem", "States.Base64Encode", "States.Base64Decode", "States.Hash", "States.UUID"];

    private static readonly HashSet<string> s_retrierFields = ["ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"];
    private static readonly HashSet<string> s_catcherFields = ["ErrorEquals", "Next", "ResultPath", "Comment", "Assign"];

    private readonly List<ValidationDiagnostic> _diagnostics = [];
    private readonly HashSet<string> _allStateNames = new(StringComparer.Ordinal);

    private DefinitionParser()
    {
    }

    /// <summary>Parses and validates; returns null (and at least one ERROR diagnostic) when the definition is unusable.</summary>
    public static StateMachineDefinition? Parse(string definition, out IReadOnlyList<ValidationDiagnostic> diagnostics)
    {
        var parser = new DefinitionParser();
        var result = parser.ParseDocument(definition);
        diagnostics = parser._diagnostics;
        return parser._diagnostics.Any(d => d.Severity == "ERROR") ? null : result;
    }

    private StateMachineDefinition? ParseDocument(string definition)
    {
        DocNode? root;
        try
        {
            root = DocNode.Parse(definition);
        }
        catch (JsonException ex)
        {
            Error(InvalidJsonDescription, $"The definition is not valid JSON: {ex.Message}", null);
            return null;
        }

        if (root is not DocObject obj)
        {
            Error(InvalidJsonDescription, "The definition must be a JSON object.", null);
            return null;
        }

        return ParseMachine(obj, "", s_machineFields, topLevel: true);
    }

    private StateMachineDefinition? ParseMachine(DocObject obj, string location, HashSet<string> allowedFields, bool topLevel)
    {
        CheckFields(obj, allowedFields, location);
        CheckQueryLanguage(obj, location);

        int? timeout = null;
        if (topLevel && obj.TryGetPropertyValue("TimeoutSeconds", out var timeoutNode))
        {
            timeout = ReadInteger(timeoutNode, $"{location}/TimeoutSeconds", minimum: 1);
        }

        if (topLevel && obj.TryGetPropertyValue("Version", out var version) && !IsString(version))
        {
            Error(SchemaValidationFailed, "The value of the field 'Version' must be a string.", $"{location}/Version");
        }

        var startAt = RequireString(obj, "StartAt", location);
        if (!obj.TryGetPropertyValue("States", out var statesNode) || statesNode is not DocObject statesObj)
        {
            Error(SchemaValidationFailed, statesNode is null && !obj.ContainsKey("States")
                ? "The field 'States' is required."
                : "The value of the field 'States' must be an object.", $"{location}/States");
            return null;
        }

        if (statesObj.Count == 0)
        {
            Error(SchemaValidationFailed, "The field 'States' must contain at least one state.", $"{location}/States");
        }

        var states = new Dictionary<string, StateNode>(StringComparer.Ordinal);
        foreach (var (name, stateNode) in statesObj)
        {
            var stateLocation = $"{location}/States/{name}";
            if (name.Length is 0 or > 80)
            {
                Error(SchemaValidationFailed, $"The state name '{name}' must be 1 to 80 characters long.", stateLocation);
            }

            if (!_allStateNames.Add(name))
            {
                Error(DuplicateStateName, $"The state name '{name}' is used more than once in the state machine; state names must be unique.", stateLocation);
            }

            if (stateNode is not DocObject stateObj)
            {
                Error(SchemaValidationFailed, $"The state '{name}' must be a JSON object.", stateLocation);
                continue;
            }

            var state = ParseState(name, stateObj, stateLocation);
            if (state is not null)
            {
                states[name] = state;
            }
        }

        if (startAt is not null && !statesObj.ContainsKey(startAt))
        {
            Error(MissingTransitionTarget, $"Missing 'StartAt' target: the state '{startAt}' does not exist.", $"{location}/StartAt");
        }

        CheckTransitions(statesObj, states, location);
        if (startAt is not null && statesObj.ContainsKey(startAt))
        {
            CheckReachability(startAt, statesObj, states, location);
        }

        return startAt is null ? null : new StateMachineDefinition(startAt, states, timeout);
    }

    private void CheckTransitions(DocObject statesObj, Dictionary<string, StateNode> states, string location)
    {
        foreach (var state in states.Values)
        {
            var stateLocation = $"{location}/States/{state.Name}";
            if (state.Next is not null && !statesObj.ContainsKey(state.Next))
            {
                Error(MissingTransitionTarget, $"Missing 'Next' target: {state.Next}", $"{stateLocation}/Next");
            }

            if (state is ChoiceState choice)
            {
                for (var i = 0; i < choice.Choices.Count; i++)
                {
                    if (!statesObj.ContainsKey(choice.Choices[i].Next))
                    {
                        Error(MissingTransitionTarget, $"Missing 'Next' target: {choice.Choices[i].Next}", $"{stateLocation}/Choices/{i}/Next");
                    }
                }

                if (choice.Default is not null && !statesObj.ContainsKey(choice.Default))
                {
                    Error(MissingTransitionTarget, $"Missing 'Default' target: {choice.Default}", $"{stateLocation}/Default");
                }
            }

            if (state is ResultStateNode withCatch)
            {
                for (var i = 0; i < withCatch.Catch.Count; i++)
                {
                    if (!statesObj.ContainsKey(withCatch.Catch[i].Next))
                    {
                        Error(MissingTransitionTarget, $"Missing 'Next' target: {withCatch.Catch[i].Next}", $"{stateLocation}/Catch/{i}/Next");
                    }
                }
            }
        }
    }

    private void CheckReachability(string startAt, DocObject statesObj, Dictionary<string, StateNode> states, string location)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal) { startAt };
        var queue = new Queue<string>();
        queue.Enqueue(startAt);
        while (queue.Count > 0)
        {
            if (!states.TryGetValue(queue.Dequeue(), out var state))
            {
                continue;
            }

            foreach (var target in Targets(state))
            {
                if (reached.Add(target))
                {
                    queue.Enqueue(target);
                }
            }
        }

        foreach (var (name, _) in statesObj)
        {
            if (!reached.Contains(name))
            {
                Error(UnreachableState, $"The state '{name}' is not reachable from 'StartAt'.", $"{location}/States/{name}");
            }
        }
    }

    private static IEnumerable<string> Targets(StateNode state)
    {
        if (state.Next is not null)
        {
            yield return state.Next;
        }

        if (state is ChoiceState choice)
        {
            foreach (var branch in choice.Choices)
            {
                yield return branch.Next;
            }

            if (choice.Default is not null)
            {
                yield return choice.Default;
            }
        }

        if (state is ResultStateNode withCatch)
        {
            foreach (var catcher in withCatch.Catch)
            {
                yield return catcher.Next;
            }
        }
    }

    private StateNode? ParseState(string name, DocObject obj, string location)
    {
        var type = RequireString(obj, "Type", location);
        if (type is null)
        {
            return null;
        }

        if (!s_stateFields.TryGetValue(type, out var allowed))
        {
            Error(SchemaValidationFailed, $"The value of the field 'Type' must be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map; got '{type}'.", $"{location}/Type");
            return null;
        }

        CheckFields(obj, allowed, location);
        CheckQueryLanguage(obj, location);

        var terminalByType = type is "Choice" or "Succeed" or "Fail";
        string? next = null;
        var end = false;
        if (!terminalByType)
        {
            next = OptionalString(obj, "Next", location);
            if (obj.TryGetPropertyValue("End", out var endNode))
            {
                if (endNode is DocValue v && v.TryGetValue<bool>(out var b))
                {
                    end = b;
                }
                else
                {
                    Error(SchemaValidationFailed, "The value of the field 'End' must be a boolean.", $"{location}/End");
                }
            }

            if (next is not null && end)
            {
                Error(SchemaValidationFailed, "A state cannot have both 'Next' and 'End': true.", location);
            }
            else if (next is null && !end && !obj.ContainsKey("Next"))
            {
                Error(SchemaValidationFailed, "The state must have either a 'Next' field or 'End': true.", location);
            }
        }

        var inputPath = PathField(obj, "InputPath", location, PathKind.Path);
        var outputPath = PathField(obj, "OutputPath", location, PathKind.Path);
        var assign = ObjectTemplate(obj, "Assign", location);
        var usesContext = obj.ToJsonString().Contains("$$", StringComparison.Ordinal);

        switch (type)
        {
            case "Pass":
                var hasResult = obj.TryGetPropertyValue("Result", out var result);
                return new PassState(name)
                {
                    Next = next, End = end, InputPath = inputPath, OutputPath = outputPath, Assign = assign, UsesContext = usesContext,
                    Result = result?.DeepClone(),
                    HasResult = hasResult,
                    Parameters = Template(obj, "Parameters", location),
                    ResultPath = PathField(obj, "ResultPath", location, PathKind.Reference),
                };

            case "Task":
                var resource = RequireString(obj, "Resource", location) ?? "";
                if (resource.Length > 0 && !resource.StartsWith("arn:", StringComparison.Ordinal))
                {
                    Error(SchemaValidationFailed, $"The value of the field 'Resource' must be an ARN; got '{resource}'.", $"{location}/Resource");
                }

                var timeoutSeconds = OptionalInteger(obj, "TimeoutSeconds", location, 1);
                var heartbeatSeconds = OptionalInteger(obj, "HeartbeatSeconds", location, 1);
                var timeoutPath = PathField(obj, "TimeoutSecondsPath", location, PathKind.Reference, defaultValue: null);
                var heartbeatPath = PathField(obj, "HeartbeatSecondsPath", location, PathKind.Reference, defaultValue: null);
                Exclusive(obj, location, "TimeoutSeconds", "TimeoutSecondsPath");
                Exclusive(obj, location, "HeartbeatSeconds", "HeartbeatSecondsPath");
                if (timeoutSeconds is not null && heartbeatSeconds is not null && heartbeatSeconds >= timeoutSeconds)
                {
                    Error(SchemaValidationFailed, "'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'.", $"{location}/HeartbeatSeconds");
                }

                return new TaskState(name)
                {
                    Next = next, End = end, InputPath = inputPath, OutputPath = outputPath, Assign = assign, UsesContext = usesContext,
                    Resource = resource,
                    Parameters = Template(obj, "Parameters", location),
                    ResultSelector = Template(obj, "ResultSelector", location),
                    ResultPath = PathField(obj, "ResultPath", location, PathKind.Reference),
                    Retry = ParseRetry(obj, location),
                    Catch = ParseCatch(obj, location),
                    TimeoutSeconds = timeoutSeconds,
                    TimeoutSecondsPath = timeoutPath,
                    HeartbeatSeconds = heartbeatSeconds,
                    HeartbeatSecondsPath = heartbeatPath,
                };

            case "Choice":
                return ParseChoice(name, obj, location, inputPath, outputPath, assign, usesContext);

            case "Wait":
                return ParseWait(name, obj, location, next, end, inputPath, outputPath, assign, usesContext);

            case "Succeed":
                return new SucceedState(name) { InputPath = inputPath, OutputPath = outputPath, UsesContext = usesContext };

            case "Fail":
                Exclusive(obj, location, "Error", "ErrorPath");
                Exclusive(obj, location, "Cause", "CausePath");
                return new FailState(name)
                {
                    UsesContext = usesContext,
                    Error = OptionalString(obj, "Error", location),
                    Cause = OptionalString(obj, "Cause", location),
                    ErrorPath = PathField(obj, "ErrorPath", location, PathKind.ReferenceOrIntrinsic, defaultValue: null),
                    CausePath = PathField(obj, "CausePath", location, PathKind.ReferenceOrIntrinsic, defaultValue: null),
                };

            case "Parallel":
                return ParseParallel(name, obj, location, next, end, inputPath, outputPath, assign, usesContext);

            default:
                return ParseMap(name, obj, location, next, end, inputPath, outputPath, assign, usesContext);
        }
    }

    private ChoiceState ParseChoice(string name, DocObject obj, string location, string? inputPath, string? outputPath, DocObject? assign, bool usesContext)
    {
        var branches = new List<ChoiceBranch>();
        if (!obj.TryGetPropertyValue("Choices", out var choicesNode) || choicesNode is not DocArray choices || choices.Count == 0)
        {
            Error(SchemaValidationFailed, "The field 'Choices' must be a non-empty array.", $"{location}/Choices");
        }
        else
        {
            for (var i = 0; i < choices.Count; i++)
            {
                var ruleLocation = $"{location}/Choices/{i}";
                if (choices[i] is not DocObject ruleObj)
                {
                    Error(SchemaValidationFailed, "A choice rule must be a JSON object.", ruleLocation);
                    continue;
                }

                var ruleNext = RequireString(ruleObj, "Next", ruleLocation);
                var ruleAssign = ObjectTemplate(ruleObj, "Assign", ruleLocation);
                var errors = new List<ValidationDiagnostic>();
                var rule = ChoiceRule.Parse(ruleObj, ruleLocation, errors);
                _diagnostics.AddRange(errors);
                if (rule is not null && ruleNext is not null)
                {
                    branches.Add(new ChoiceBranch(rule, ruleNext, ruleAssign));
                }
            }
        }

        return new ChoiceState(name)
        {
            InputPath = inputPath, OutputPath = outputPath, Assign = assign, UsesContext = usesContext,
            Choices = branches,
            Default = OptionalString(obj, "Default", location),
        };
    }

    private WaitState ParseWait(string name, DocObject obj, string location, string? next, bool end, string? inputPath, string? outputPath, DocObject? assign, bool usesContext)
    {
        var present = new[] { "Seconds", "Timestamp", "SecondsPath", "TimestampPath" }.Where(obj.ContainsKey).ToList();
        if (present.Count != 1)
        {
            Error(SchemaValidationFailed, "A Wait state must have exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath'.", location);
        }

        long? seconds = null;
        if (obj.TryGetPropertyValue("Seconds", out var secondsNode))
        {
            seconds = ReadInteger(secondsNode, $"{location}/Seconds", minimum: 0);
        }

        DateTimeOffset? timestamp = null;
        if (obj.TryGetPropertyValue("Timestamp", out var timestampNode))
        {
            if (IsString(timestampNode) && AslTimestamp.TryParse(timestampNode!.GetValue<string>(), out var parsed))
            {
                timestamp = parsed;
            }
            else
            {
                Error(SchemaValidationFailed, "The value of the field 'Timestamp' must be an RFC3339 timestamp string.", $"{location}/Timestamp");
            }
        }

        return new WaitState(name)
        {
            Next = next, End = end, InputPath = inputPath, OutputPath = outputPath, Assign = assign, UsesContext = usesContext,
            Seconds = seconds,
            Timestamp = timestamp,
            SecondsPath = PathField(obj, "SecondsPath", location, PathKind.Reference, defaultValue: null),
            TimestampPath = PathField(obj, "TimestampPath", location, PathKind.Reference, defaultValue: null),
        };
    }

    private ParallelState ParseParallel(string name, DocObject obj, string location, string? next, bool end, string? inputPath, string? outputPath, DocObject? assign, bool usesContext)
    {
        var branches = new List<StateMachineDefinition>();
        if (!obj.TryGetPropertyValue("Branches", out var branchesNode) || branchesNode is not DocArray array || array.Count == 0)
        {
            Error(SchemaValidationFailed, "The field 'Branches' must be a non-empty array.", $"{location}/Branches");
        }
        else
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is not DocObject branchObj)
                {
                    Error(SchemaValidationFailed, "A branch must be a JSON object.", $"{location}/Branches/{i}");
                    continue;
                }

                var branch = ParseMachine(branchObj, $"{location}/Branches/{i}", s_branchFields, topLevel: false);
                if (branch is not null)
                {
                    branches.Add(branch);
                }
            }
        }

        return new ParallelState(name)
        {
            Next = next, End = end, InputPath = inputPath, OutputPath = outputPath, Assign = assign, UsesContext = usesContext,
            Branches = branches,
            Parameters = Template(obj, "Parameters", location),
            ResultSelector = Template(obj, "ResultSelector", location),
            ResultPath = PathField(obj, "ResultPath", location, PathKind.Reference),
            Retry = ParseRetry(obj, location),
            Catch = ParseCatch(obj, location),
        };
    }

    private MapState? ParseMap(string name, DocObject obj, string location, string? next, bool end, string? inputPath, string? outputPath, DocObject? assign, bool usesContext)
    {
        foreach (var unsupported in new[] { "ItemReader", "ItemBatcher", "ResultWriter" })
        {
            if (obj.ContainsKey(unsupported))
            {
                Error(UnsupportedFeature, $"The field '{unsupported}' (distributed Map) is not supported by the local engine yet.", $"{location}/{unsupported}");
            }
        }

        Exclusive(obj, location, "ItemProcessor", "Iterator");
        Exclusive(obj, location, "ItemSelector", "Parameters");
        Exclusive(obj, location, "MaxConcurrency", "MaxConcurrencyPath");
        Exclusive(obj, location, "ToleratedFailureCount", "ToleratedFailureCountPath");
        Exclusive(obj, location, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath");

        var processorField = obj.ContainsKey("ItemProcessor") ? "ItemProcessor" : "Iterator";
        StateMachineDefinition? processor = null;
        var distributed = false;
        if (!obj.TryGetPropertyValue(processorField, out var processorNode) || processorNode is not DocObject processorObj)
        {
            Error(SchemaValidationFailed, "A Map state must have an 'ItemProcessor' (or legacy 'Iterator') object.", $"{location}/{processorField}");
        }
        else
        {
            var processorLocation = $"{location}/{processorField}";
            processor = ParseMachine(processorObj, processorLocation, processorField == "ItemProcessor" ? s_processorFields : s_branchFields, topLevel: false);
            if (processorObj.TryGetPropertyValue("ProcessorConfig", out var configNode))
            {
                distributed = ParseProcessorConfig(configNode, $"{processorLocation}/ProcessorConfig");
            }
        }

        var selectorField = obj.ContainsKey("ItemSelector") ? "ItemSelector" : "Parameters";
        double? percentage = null;
        if (obj.TryGetPropertyValue("ToleratedFailurePercentage", out var percentageNode))
        {
            if (percentageNode is DocValue pv && pv.TryGetValue<double>(out var p) && p is >= 0 and <= 100)
            {
                percentage = p;
            }
            else
            {
                Error(SchemaValidationFailed, "The value of the field 'ToleratedFailurePercentage' must be a number between 0 and 100.", $"{location}/ToleratedFailurePercentage");
            }
        }

        if (obj.TryGetPropertyValue("Label", out var label) && !IsString(label))
        {
            Error(SchemaValidationFailed, "The value of the field 'Label' must be a string.", $"{location}/Label");
        }

        var state = new MapState(name)
        {
            Next = next, End = end, InputPath = inputPath, OutputPath = outputPath, Assign = assign, UsesContext = usesContext,
            Processor = processor ?? new StateMachineDefinition("", new Dictionary<string, StateNode>(), null),
            Distributed = distributed,
            ItemsPath = PathField(obj, "ItemsPath", location, PathKind.Reference),
            ItemSelector = Template(obj, selectorField, location),
            ResultSelector = Template(obj, "ResultSelector", location),
            ResultPath = PathField(obj, "ResultPath", location, PathKind.Reference),
            Retry = ParseRetry(obj, location),
            Catch = ParseCatch(obj, location),
            MaxConcurrency = OptionalInteger(obj, "MaxConcurrency", location, 0),
            MaxConcurrencyPath = PathField(obj, "MaxConcurrencyPath", location, PathKind.Reference, defaultValue: null),
            ToleratedFailureCount = OptionalInteger(obj, "ToleratedFailureCount", location, 0),
            ToleratedFailureCountPath = PathField(obj, "ToleratedFailureCountPath", location, PathKind.Reference, defaultValue: null),
            ToleratedFailurePercentage = percentage,
            ToleratedFailurePercentagePath = PathField(obj, "ToleratedFailurePercentagePath", location, PathKind.Reference, defaultValue: null),
        };
        return processor is null ? null : state;
    }

    private bool ParseProcessorConfig(DocNode? node, string location)
    {
        if (node is not DocObject config)
        {
            Error(SchemaValidationFailed, "The value of the field 'ProcessorConfig' must be an object.", location);
            return false;
        }

        CheckFields(config, ["Mode", "ExecutionType"], location);
        var mode = OptionalString(config, "Mode", location);
        if (mode is not null and not "INLINE" and not "DISTRIBUTED")
        {
            Error(SchemaValidationFailed, $"The value of the field 'Mode' must be INLINE or DISTRIBUTED; got '{mode}'.", $"{location}/Mode");
        }

        var executionType = OptionalString(config, "ExecutionType", location);
        if (executionType is not null and not "STANDARD" and not "EXPRESS")
        {
            Error(SchemaValidationFailed, $"The value of the field 'ExecutionType' must be STANDARD or EXPRESS; got '{executionType}'.", $"{location}/ExecutionType");
        }

        return mode == "DISTRIBUTED";
    }

    private List<Retrier> ParseRetry(DocObject obj, string location)
    {
        var retriers = new List<Retrier>();
        if (!obj.TryGetPropertyValue("Retry", out var node))
        {
            return retriers;
        }

        if (node is not DocArray array)
        {
            Error(SchemaValidationFailed, "The value of the field 'Retry' must be an array.", $"{location}/Retry");
            return retriers;
        }

        for (var i = 0; i < array.Count; i++)
        {
            var itemLocation = $"{location}/Retry/{i}";
            if (array[i] is not DocObject retrier)
            {
                Error(SchemaValidationFailed, "A retrier must be a JSON object.", itemLocation);
                continue;
            }

            CheckFields(retrier, s_retrierFields, itemLocation);
            var errorEquals = ParseErrorEquals(retrier, itemLocation, isLast: i == array.Count - 1);
            var interval = retrier.TryGetPropertyValue("IntervalSeconds", out var intervalNode) ? ReadInteger(intervalNode, $"{itemLocation}/IntervalSeconds", 1) ?? 1 : 1;
            var maxAttempts = retrier.TryGetPropertyValue("MaxAttempts", out var attemptsNode) ? ReadInteger(attemptsNode, $"{itemLocation}/MaxAttempts", 0) ?? 3 : 3;
            var backoff = 2.0;
            if (retrier.TryGetPropertyValue("BackoffRate", out var backoffNode))
            {
                if (backoffNode is DocValue bv && bv.TryGetValue<double>(out var b) && b >= 1.0)
                {
                    backoff = b;
                }
                else
                {
                    Error(SchemaValidationFailed, "The value of the field 'BackoffRate' must be a number greater than or equal to 1.0.", $"{itemLocation}/BackoffRate");
                }
            }

            double? maxDelay = retrier.TryGetPropertyValue("MaxDelaySeconds", out var maxDelayNode) ? ReadInteger(maxDelayNode, $"{itemLocation}/MaxDelaySeconds", 1) : null;
            var jitter = JitterStrategy.None;
            var jitterText = OptionalString(retrier, "JitterStrategy", itemLocation);
            if (jitterText == "FULL")
            {
                jitter = JitterStrategy.Full;
            }
            else if (jitterText is not null and not "NONE")
            {
                Error(SchemaValidationFailed, $"The value of the field 'JitterStrategy' must be FULL or NONE; got '{jitterText}'.", $"{itemLocation}/JitterStrategy");
            }

            retriers.Add(new Retrier(errorEquals, interval, maxAttempts, backoff, maxDelay, jitter));
        }

        return retriers;
    }

    private List<Catcher> ParseCatch(DocObject obj, string location)
    {
        var catchers = new List<Catcher>();
        if (!obj.TryGetPropertyValue("Catch", out var node))
        {
            return catchers;
        }

        if (node is not DocArray array)
        {
            Error(SchemaValidationFailed, "The value of the field 'Catch' must be an array.", $"{location}/Catch");
            return catchers;
        }

        for (var i = 0; i < array.Count; i++)
        {
            var itemLocation = $"{location}/Catch/{i}";
            if (array[i] is not DocObject catcher)
            {
                Error(SchemaValidationFailed, "A catcher must be a JSON object.", itemLocation);
                continue;
            }

            CheckFields(catcher, s_catcherFields, itemLocation);
            var errorEquals = ParseErrorEquals(catcher, itemLocation, isLast: i == array.Count - 1);
            var next = RequireString(catcher, "Next", itemLocation);
            var resultPath = PathField(catcher, "ResultPath", itemLocation, PathKind.Reference);
            var assign = ObjectTemplate(catcher, "Assign", itemLocation);
            if (next is not null)
            {
                catchers.Add(new Catcher(errorEquals, next, resultPath, assign));
            }
        }

        return catchers;
    }

    private List<string> ParseErrorEquals(DocObject obj, string location, bool isLast)
    {
        var names = new List<string>();
        if (!obj.TryGetPropertyValue("ErrorEquals", out var node) || node is not DocArray array || array.Count == 0)
        {
            Error(SchemaValidationFailed, "The field 'ErrorEquals' must be a non-empty array of strings.", $"{location}/ErrorEquals");
            return names;
        }

        foreach (var item in array)
        {
            if (IsString(item))
            {
                names.Add(item!.GetValue<string>());
            }
            else
            {
                Error(SchemaValidationFailed, "The field 'ErrorEquals' must contain only strings.", $"{location}/ErrorEquals");
            }
        }

        if (names.Contains(StatesErrors.All))
        {
            if (names.Count > 1)
            {
                Error(SchemaValidationFailed, "'States.ALL' must appear alone in 'ErrorEquals'.", $"{location}/ErrorEquals");
            }

            if (!isLast)
            {
                Error(SchemaValidationFailed, "A retrier or catcher with 'States.ALL' must be the last one.", $"{location}/ErrorEquals");
            }
        }

        return names;
    }

    private enum PathKind
    {
        Path,
        Reference,
        ReferenceOrIntrinsic,
    }

    /// <summary>Reads a path field: absent → <paramref name="defaultValue"/>, JSON null → null, else the validated text.</summary>
    private string? PathField(DocObject obj, string field, string location, PathKind kind, string? defaultValue = "$")
    {
        if (!obj.TryGetPropertyValue(field, out var node))
        {
            return defaultValue;
        }

        var fieldLocation = $"{location}/{field}";
        if (node is null)
        {
            if (kind != PathKind.Path && field is not "ResultPath")
            {
                Error(SchemaValidationFailed, $"The value of the field '{field}' must be a path string.", fieldLocation);
            }

            return null;
        }

        if (!IsString(node))
        {
            Error(SchemaValidationFailed, $"The value of the field '{field}' must be a string.", fieldLocation);
            return defaultValue;
        }

        var text = node.GetValue<string>();
        switch (kind)
        {
            case PathKind.ReferenceOrIntrinsic when IntrinsicFunctions.IsIntrinsic(text):
                if (!IntrinsicFunctions.IsValid(text, out var intrinsicError))
                {
                    Error(SchemaValidationFailed, $"The value of the field '{field}' is not a valid intrinsic function: {intrinsicError}", fieldLocation);
                }
                else if (!s_stringIntrinsics.Contains(text[..text.IndexOf('(', StringComparison.Ordinal)].Trim()))
                {
                    Error(SchemaValidationFailed, $"The field '{field}' only accepts intrinsic functions that return a string (States.Format, States.JsonToString, States.ArrayGetItem, States.Base64Encode, States.Base64Decode, States.Hash, States.UUID).", fieldLocation);
                }

                break;
            case PathKind.Reference or PathKind.ReferenceOrIntrinsic:
                if (!ReferencePath.TryParse(text, out _))
                {
                    Error(SchemaValidationFailed, $"The value of the field '{field}' is not a valid reference path: {text}", fieldLocation);
                }

                break;
            default:
                if (!JsonPathQuery.IsValid(text))
                {
                    Error(SchemaValidationFailed, $"The value of the field '{field}' is not a valid JSONPath: {text}", fieldLocation);
                }

                break;
        }

        return text;
    }

    private DocNode? Template(DocObject obj, string field, string location)
    {
        if (!obj.TryGetPropertyValue(field, out var node))
        {
            return null;
        }

        var fieldLocation = $"{location}/{field}";
        if (field is "ResultSelector" && node is not DocObject)
        {
            Error(SchemaValidationFailed, $"The value of the field '{field}' must be an object.", fieldLocation);
            return null;
        }

        AddTemplateProblems(PayloadTemplate.Validate(node, fieldLocation), fieldLocation);

        return node?.DeepClone();
    }

    private DocObject? ObjectTemplate(DocObject obj, string field, string location)
    {
        if (!obj.TryGetPropertyValue(field, out var node))
        {
            return null;
        }

        var fieldLocation = $"{location}/{field}";
        if (node is not DocObject assign)
        {
            Error(SchemaValidationFailed, $"The value of the field '{field}' must be an object.", fieldLocation);
            return null;
        }

        foreach (var (key, _) in assign)
        {
            var variable = key.EndsWith(".$", StringComparison.Ordinal) ? key[..^2] : key;
            if (!IsVariableName(variable))
            {
                Error(SchemaValidationFailed, $"'{variable}' is not a valid variable name: use letters, digits and underscores, not starting with a digit.", $"{fieldLocation}/{key}");
            }
        }

        AddTemplateProblems(PayloadTemplate.Validate(assign, fieldLocation), fieldLocation);

        return (DocObject)assign.DeepClone();
    }

    /// <summary>The Language layer reports template problems as "location: reason".</summary>
    private void AddTemplateProblems(IEnumerable<string> problems, string fieldLocation)
    {
        foreach (var problem in problems)
        {
            var split = problem.IndexOf(": ", StringComparison.Ordinal);
            var (location, message) = split > 0 && problem.StartsWith('/') ? (problem[..split], problem[(split + 2)..]) : (fieldLocation, problem);
            Error(SchemaValidationFailed, message, location);
        }
    }

    private static bool IsVariableName(string name)
    {
        if (name.Length is 0 or > 80 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private void CheckQueryLanguage(DocObject obj, string location)
    {
        if (!obj.TryGetPropertyValue("QueryLanguage", out var node))
        {
            return;
        }

        var value = IsString(node) ? node!.GetValue<string>() : null;
        if (value == "JSONata")
        {
            Error(SchemaValidationFailed, "QueryLanguage 'JSONata' is not supported yet by the local engine; use 'JSONPath' (the default).", $"{location}/QueryLanguage");
        }
        else if (value != "JSONPath")
        {
            Error(SchemaValidationFailed, "The value of the field 'QueryLanguage' must be 'JSONPath' or 'JSONata'.", $"{location}/QueryLanguage");
        }
    }

    private void CheckFields(DocObject obj, HashSet<string> allowed, string location)
    {
        foreach (var (key, _) in obj)
        {
            if (!allowed.Contains(key))
            {
                Error(SchemaValidationFailed, $"The field '{key}' is not supported here.", $"{location}/{key}");
            }
        }
    }

    private void Exclusive(DocObject obj, string location, string first, string second)
    {
        if (obj.ContainsKey(first) && obj.ContainsKey(second))
        {
            Error(SchemaValidationFailed, $"The fields '{first}' and '{second}' cannot be used together.", location);
        }
    }

    private string? RequireString(DocObject obj, string field, string location)
    {
        if (!obj.TryGetPropertyValue(field, out var node))
        {
            Error(SchemaValidationFailed, $"The field '{field}' is required.", $"{location}/{field}");
            return null;
        }

        if (!IsString(node))
        {
            Error(SchemaValidationFailed, $"The value of the field '{field}' must be a string.", $"{location}/{field}");
            return null;
        }

        return node!.GetValue<string>();
    }

    private string? OptionalString(DocObject obj, string field, string location)
    {
        if (!obj.TryGetPropertyValue(field, out var node))
        {
            return null;
        }

        if (!IsString(node))
        {
            Error(SchemaValidationFailed, $"The value of the field '{field}' must be a string.", $"{location}/{field}");
            return null;
        }

        return node!.GetValue<string>();
    }

    private int? OptionalInteger(DocObject obj, string field, string location, int minimum) =>
        obj.TryGetPropertyValue(field, out var node) ? ReadInteger(node, $"{location}/{field}", minimum) : null;

    private int? ReadInteger(DocNode? node, string location, int minimum)
    {
        if (node is DocValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var d)
            && d == Math.Floor(d) && d >= minimum && d <= int.MaxValue)
        {
            return (int)d;
        }

        var field = location[(location.LastIndexOf('/') + 1)..];
        Error(SchemaValidationFailed, $"The value of the field '{field}' must be an integer greater than or equal to {minimum}.", location);
        return null;
    }

    private static bool IsString(DocNode? node) => node is DocValue v && v.GetValueKind() == JsonValueKind.String;

    private void Error(string code, string message, string? location) =>
        _diagnostics.Add(new ValidationDiagnostic("ERROR", code, message, location));
}
