using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Tests.Conformance;

/// <summary>
/// One conformance case as written in Cases/*.json: a definition, an input and the outcome the ASL spec or the AWS
/// developer guide documents for them (see <c>source</c>). Only the fields the runner understands are mapped here;
/// <c>note</c> is for humans. <c>stateMachines</c> (name → definition) are created first, for cases that start other
/// executions through <c>arn:aws:states:::states:startExecution</c>.
/// </summary>
internal sealed record ConformanceCase(
    string Id,
    string Name,
    string Source,
    JsonNode? Definition,
    string? DefinitionText,
    JsonNode? Input,
    JsonObject Expect,
    string StateMachineName,
    string ExecutionName,
    JsonObject? OtherStateMachines)
{
    public const string DefaultStateMachineName = "ConformanceMachine";
    public const string DefaultExecutionName = "conformance-execution";

    /// <summary>The definition as the API receives it: the raw text when a case tests unparsable JSON.</summary>
    public string DefinitionJson => DefinitionText ?? Definition?.ToJsonString() ?? throw new InvalidOperationException($"{Id}: no definition");

    public bool IsValidationCase => Expect.ContainsKey("validation");

    public static ConformanceCase FromJson(string file, JsonObject json)
    {
        var name = Required(json, "name", file);
        var source = Required(json, "source", file);
        var context = json["context"] as JsonObject;
        return new ConformanceCase(
            $"{file}/{name}",
            name,
            source,
            json["definition"],
            (string?)json["definitionText"],
            json["input"],
            json["expect"] as JsonObject ?? throw new InvalidDataException($"{file}/{name}: 'expect' must be an object"),
            (string?)context?["stateMachineName"] ?? DefaultStateMachineName,
            (string?)context?["executionName"] ?? DefaultExecutionName,
            json["stateMachines"] as JsonObject);
    }

    private static string Required(JsonObject json, string field, string file) =>
        (string?)json[field] is { Length: > 0 } value ? value : throw new InvalidDataException($"{file}: a case lacks '{field}'");
}
