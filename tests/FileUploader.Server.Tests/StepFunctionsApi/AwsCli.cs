using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>The real AWS CLI (<c>aws stepfunctions …</c>) pointed at a local endpoint, exactly as a user runs it.</summary>
internal sealed partial class AwsCli(Uri endpoint)
{
    public async Task<ProcessResult> RunAsync(params string[] arguments)
    {
        string[] all = ["stepfunctions", .. arguments, "--endpoint-url", endpoint.ToString().TrimEnd('/'), "--region", "us-east-1", "--output", "json"];
        return await ProcessRunner.RunAsync("aws", all, AwsClientEnvironment.Create());
    }

    /// <summary>Runs a command that must succeed and returns its JSON output.</summary>
    public async Task<JsonNode> JsonAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', arguments)} failed: {result}");
        // An operation with an empty output (DeleteStateMachine) prints nothing at all.
        return string.IsNullOrWhiteSpace(result.StandardOutput)
            ? new JsonObject()
            : JsonNode.Parse(result.StandardOutput) ?? throw new InvalidOperationException("aws printed no JSON.");
    }

    /// <summary>
    /// Runs a command that must fail with an AWS error; returns the error code as the CLI prints it and the HTTP
    /// status the endpoint answered (read from the CLI's own debug log of the response).
    /// </summary>
    public async Task<(string Code, int Status)> ErrorAsync(params string[] arguments)
    {
        var result = await RunAsync([.. arguments, "--debug"]);
        Assert.True(result.ExitCode != 0, $"aws {string.Join(' ', arguments)} should have failed: {result}");

        // The CLI prints "An error occurred (<Code>) when calling the <Operation> operation: <message>".
        var text = result.StandardError;
        var open = text.IndexOf("An error occurred (", StringComparison.Ordinal);
        Assert.True(open >= 0, $"No AWS error in the CLI's output: {result}");
        var start = open + "An error occurred (".Length;
        var code = text[start..text.IndexOf(')', start)];

        // urllib3 logs each exchange as: http://127.0.0.1:PORT "POST / HTTP/1.1" 400 97
        var statuses = StatusLine().Matches(text);
        Assert.True(statuses.Count > 0, $"No HTTP exchange in the CLI's debug log: {result}");
        var status = int.Parse(statuses[^1].Groups[1].Value, CultureInfo.InvariantCulture);
        return (code, status);
    }

    [GeneratedRegex("\"POST / HTTP/1\\.1\" (\\d{3})")]
    private static partial Regex StatusLine();
}
