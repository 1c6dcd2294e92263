using System.Text.Json.Nodes;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>Runs <c>sfn_boto3.py</c> (real boto3 on this machine's Python) against an endpoint and returns its JSON report.</summary>
internal static class Boto3Driver
{
    private static readonly string Script = Path.Combine(
        RepositoryPaths.Root, "tests", "FileUploader.Server.Tests", "StepFunctionsApi", "sfn_boto3.py");

    public static async Task<JsonNode> RunAsync(Uri endpoint, string command, JsonNode arguments)
    {
        var result = await ProcessRunner.RunAsync(
            "python3",
            [Script, endpoint.ToString(), command],
            AwsClientEnvironment.Create(),
            standardInput: arguments.ToJsonString(),
            timeout: TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, $"boto3 {command} failed: {result}");
        return JsonNode.Parse(result.StandardOutput) ?? throw new InvalidOperationException("boto3 printed no JSON.");
    }
}
