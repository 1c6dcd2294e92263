using System.Text.Json.Nodes;

namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>Runs every <see cref="EndpointConformanceCases"/> case through the endpoint with boto3, once, in one Python process.</summary>
public sealed class EndpointConformanceRun : IAsyncLifetime
{
    private readonly StepFunctionsApiServer _server = new();

    public IReadOnlyDictionary<string, JsonNode> Results { get; private set; } = new Dictionary<string, JsonNode>();

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        var cases = new JsonArray([.. EndpointConformanceCases.All.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name,
            ["definition"] = c.Definition,
            ["input"] = c.Input,
        })]);
        var report = await Boto3Driver.RunAsync(_server.Endpoint, "run-cases", cases);
        Results = report.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>(), r => r!);
    }

    public Task DisposeAsync() => _server.DisposeAsync();
}

public sealed class EndpointConformanceTests(EndpointConformanceRun run) : IClassFixture<EndpointConformanceRun>
{
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StartSyncExecution_ConformanceCase_MatchesAwsOutcome(string name)
    {
        var expected = EndpointConformanceCases.All.Single(c => c.Name == name);
        var actual = run.Results[name];

        if (expected.ExpectedError is null)
        {
            Assert.True("SUCCEEDED" == actual["status"]!.GetValue<string>(), $"{expected.Source}: {actual.ToJsonString()}");
            var output = JsonNode.Parse(actual["output"]!.GetValue<string>());
            Assert.True(
                JsonNode.DeepEquals(JsonNode.Parse(expected.ExpectedOutput!), output),
                $"{expected.Source}: expected {expected.ExpectedOutput}, got {output?.ToJsonString()}");
        }
        else
        {
            Assert.Equal("FAILED", actual["status"]!.GetValue<string>());
            Assert.Equal(expected.ExpectedError, actual["error"]!.GetValue<string>());
        }
    }

    public static TheoryData<string> CaseNames() => EndpointConformanceCases.Names();
}
