using System.Text.Json.Nodes;
using FileUploader.StateMachine.Service;

namespace FileUploader.StateMachine.CrashHost;

/// <summary>Turns one control-channel command into an engine call and its JSON answer.</summary>
internal static class CommandHandler
{
    public static async Task<JsonObject> RunAsync(WorkflowEngine engine, JsonObject command)
    {
        switch (Text(command, "op"))
        {
            case "create":
                var created = await engine.CreateStateMachineAsync(
                    new CreateStateMachineRequest(Text(command, "name"), Text(command, "definition"), RoleArn: null, Type: null),
                    CancellationToken.None);
                return new JsonObject { ["ok"] = true, ["arn"] = created.StateMachineArn };

            case "start":
                var started = await engine.StartExecutionAsync(
                    new StartExecutionRequest(Text(command, "stateMachineArn"), Text(command, "name"), Text(command, "input")),
                    CancellationToken.None);
                return new JsonObject { ["ok"] = true, ["executionArn"] = started.ExecutionArn };

            case "startSync":
                var finished = await engine.StartSyncExecutionAsync(
                    new StartExecutionRequest(Text(command, "stateMachineArn"), Text(command, "name"), Text(command, "input")),
                    CancellationToken.None);
                return new JsonObject
                {
                    ["ok"] = true,
                    ["executionArn"] = finished.ExecutionArn,
                    ["status"] = finished.Status,
                    ["output"] = finished.Output,
                };

            case "history":
                var history = await engine.GetExecutionHistoryAsync(
                    new GetExecutionHistoryRequest(Text(command, "executionArn"), MaxResults: 1000, NextToken: null, ReverseOrder: false),
                    CancellationToken.None);
                return new JsonObject { ["ok"] = true, ["types"] = new JsonArray([.. history.Items.Select(e => (JsonNode)e.Type)]) };

            case "wait":
                using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
                {
                    var done = await engine.WaitForCompletionAsync(Text(command, "executionArn"), timeout.Token);
                    return new JsonObject
                    {
                        ["ok"] = true,
                        ["status"] = done.Status,
                        ["output"] = done.Output,
                        ["error"] = done.Error,
                        ["cause"] = done.Cause,
                    };
                }

            default:
                throw new InvalidOperationException($"unknown op '{command["op"]}'");
        }
    }

    private static string Text(JsonObject command, string name) =>
        command[name]?.GetValue<string>() ?? throw new InvalidOperationException($"missing '{name}'");
}
