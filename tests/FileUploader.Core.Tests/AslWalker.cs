using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.Core.Domain;

namespace FileUploader.Core.Tests;

/// <summary>
/// Just enough of ASL (JSONPath flavour) to push real data through <c>statemachine/*.asl.json</c> and the real steps:
/// Task, Pass, Wait (not waited: the test decides when time passes), Succeed and Fail; Parameters with <c>$.a.b</c> and
/// <c>$$.Execution.Id</c> paths and the intrinsics the definitions use; ResultPath; Catch on <c>States.ALL</c>. It does not retry: these tests use only
/// permanent faults. The real interpreter is FileUploader.StateMachine; this keeps the definition and the step
/// contracts honest from Core's side.
/// </summary>
internal sealed class AslWalker(JsonObject definition, IReadOnlyDictionary<string, Func<JsonNode?, Task<JsonNode?>>> resources)
{
    public List<string> Visited { get; } = [];

    public static JsonObject Load(string fileName) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "statemachine", fileName)))!.AsObject();

    public async Task<AslOutcome> RunAsync(JsonObject input, string executionId)
    {
        var context = new JsonObject { ["Execution"] = new JsonObject { ["Id"] = executionId, ["Input"] = input.DeepClone() } };
        var states = definition["States"]!.AsObject();
        var name = (string)definition["StartAt"]!;
        JsonNode data = input.DeepClone();
        while (true)
        {
            Visited.Add(name);
            var state = states[name]!.AsObject();
            switch ((string)state["Type"]!)
            {
                case "Succeed":
                    return new AslOutcome(true, data, null, null);
                case "Fail":
                    return new AslOutcome(false, data, Select(data, context, (string?)state["ErrorPath"])?.ToString(), Select(data, context, (string?)state["CausePath"])?.ToString());
                case "Pass":
                    var passed = state["Parameters"] is JsonObject pp ? Resolve(pp, data, context) : data.DeepClone();
                    data = Place(data, (string?)state["ResultPath"] ?? "$", passed);
                    name = (string)state["Next"]!;
                    continue;
                case "Wait":
                    name = (string)state["Next"]!;
                    continue;
                case "Task":
                    var parameters = state["Parameters"] is JsonObject p ? Resolve(p, data, context) : data.DeepClone();
                    var resource = (string)state["Resource"]!;
                    try
                    {
                        var result = await resources[resource](parameters);
                        data = Place(data, (string?)state["ResultPath"] ?? "$", result);
                        name = (string)state["Next"]!;
                    }
                    catch (StepFailedException e) when (state["Catch"] is JsonArray catchers)
                    {
                        var catcher = catchers.Select(c => c!.AsObject()).First(c => c["ErrorEquals"]!.AsArray().Any(n => (string)n! is "States.ALL" || (string)n! == e.ErrorName));
                        data = Place(data, (string)catcher["ResultPath"]!, new JsonObject { ["Error"] = e.ErrorName, ["Cause"] = e.Message });
                        name = (string)catcher["Next"]!;
                    }

                    continue;
                default:
                    throw new NotSupportedException($"State type {state["Type"]}");
            }
        }
    }

    private static JsonNode Resolve(JsonObject template, JsonNode data, JsonObject context)
    {
        var resolved = new JsonObject();
        foreach (var (key, value) in template)
        {
            if (key.EndsWith(".$", StringComparison.Ordinal))
            {
                var expression = (string)value!;
                resolved[key[..^2]] = (expression.StartsWith("States.", StringComparison.Ordinal) ? Intrinsic(expression, data, context) : Select(data, context, expression)?.DeepClone())
                    ?? throw new InvalidOperationException($"The path {value} selects nothing.");
            }
            else
            {
                resolved[key] = value is JsonObject nested ? Resolve(nested, data, context) : value?.DeepClone();
            }
        }

        return resolved;
    }

    /// <summary>The intrinsics the definitions use: StringSplit, ArrayLength, ArrayGetItem, MathAdd.</summary>
    private static JsonNode? Intrinsic(string expression, JsonNode data, JsonObject context)
    {
        var open = expression.IndexOf('(', StringComparison.Ordinal);
        var function = expression[..open];
        var args = SplitArguments(expression[(open + 1)..^1]).Select(a => Argument(a, data, context)).ToArray();
        return function switch
        {
            "States.StringSplit" => new JsonArray([.. ((string)args[0]!).Split((string)args[1]!, StringSplitOptions.RemoveEmptyEntries).Select(p => (JsonNode?)JsonValue.Create(p))]),
            "States.ArrayLength" => JsonValue.Create(args[0]!.AsArray().Count),
            "States.ArrayGetItem" => args[0]!.AsArray()[(int)args[1]!]?.DeepClone(),
            "States.MathAdd" => JsonValue.Create((int)args[0]! + (int)args[1]!),
            _ => throw new NotSupportedException(function),
        };
    }

    private static JsonNode? Argument(string text, JsonNode data, JsonObject context) => text switch
    {
        _ when text.StartsWith("States.", StringComparison.Ordinal) => Intrinsic(text, data, context),
        _ when text.StartsWith('$') => Select(data, context, text)?.DeepClone(),
        _ when text.StartsWith('\'') => JsonValue.Create(text[1..^1]),
        _ => JsonValue.Create(int.Parse(text, System.Globalization.CultureInfo.InvariantCulture)),
    };

    private static List<string> SplitArguments(string text)
    {
        var parts = new List<string>();
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\'':
                    quoted = !quoted;
                    break;
                case '(' when !quoted:
                    depth++;
                    break;
                case ')' when !quoted:
                    depth--;
                    break;
                case ',' when !quoted && depth == 0:
                    parts.Add(text[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        parts.Add(text[start..].Trim());
        return parts;
    }

    private static JsonNode? Select(JsonNode data, JsonObject context, string? path)
    {
        if (path is null)
        {
            return null;
        }

        var (node, rest) = path.StartsWith("$$", StringComparison.Ordinal) ? ((JsonNode?)context, path[2..]) : (data, path[1..]);
        foreach (var part in rest.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node?[part];
        }

        return node;
    }

    private static JsonNode Place(JsonNode data, string resultPath, JsonNode? result)
    {
        if (resultPath == "$")
        {
            return result ?? new JsonObject();
        }

        var parts = resultPath[2..].Split('.');
        var target = data.AsObject();
        foreach (var part in parts[..^1])
        {
            if (target[part] is not JsonObject next)
            {
                next = new JsonObject();
                target[part] = next;
            }

            target = next;
        }

        target[parts[^1]] = result;
        return data;
    }
}

internal sealed record AslOutcome(bool Succeeded, JsonNode Output, string? Error, string? Cause);

internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "FileUploader.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("FileUploader.sln not found above " + AppContext.BaseDirectory);
    }
}
