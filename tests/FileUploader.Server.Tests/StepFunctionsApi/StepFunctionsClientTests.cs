using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using FileUploader.Storage.Aws.StepFunctions;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>Our typed Step Functions client (SigV4 by AWSSDK.Core) against the local endpoint.</summary>
public sealed class StepFunctionsClientTests(StepFunctionsApiServer server) : IClassFixture<StepFunctionsApiServer>, IDisposable
{
    private readonly StepFunctionsClient _client = new(new StepFunctionsClientOptions(
        server.Endpoint, "us-east-1", new BasicAWSCredentials("AKIDLOCALTEST", "local-test-secret")));

    [Fact]
    public async Task StartExecution_ThenDescribeExecution_ReturnsOutput()
    {
        var machine = await CreateAsync(Definitions.TwoPasses);

        var started = await _client.StartExecutionAsync(machine, "client-run", """{"x":1}""");
        await server.Engine.WaitForCompletionAsync(started.ExecutionArn, Timeout());
        var described = await _client.DescribeExecutionAsync(started.ExecutionArn);

        Assert.Equal("SUCCEEDED", described.Status);
        Assert.Equal("client-run", described.Name);
        Assert.Equal(machine, described.StateMachineArn);
        Assert.NotNull(described.StopDate);
        Assert.True(described.StopDate >= described.StartDate);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"x":1,"a":{"step":"a"},"b":{"step":"b"}}"""), JsonNode.Parse(described.Output!)));
    }

    [Fact]
    public async Task StartExecution_SameNameSameInput_ReturnsTheSameExecution()
    {
        var machine = await CreateAsync(Definitions.LongWait);

        var first = await _client.StartExecutionAsync(machine, "idempotent", "{}");
        var second = await _client.StartExecutionAsync(machine, "idempotent", "{}");

        Assert.Equal(first.ExecutionArn, second.ExecutionArn);
    }

    [Fact]
    public async Task StartExecution_SameNameOtherInput_ThrowsExecutionAlreadyExists()
    {
        var machine = await CreateAsync(Definitions.LongWait);
        await _client.StartExecutionAsync(machine, "taken", """{"v":1}""");

        var error = await Assert.ThrowsAsync<ExecutionAlreadyExistsException>(() => _client.StartExecutionAsync(machine, "taken", """{"v":2}"""));

        Assert.Equal("ExecutionAlreadyExists", error.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact]
    public async Task StartExecution_UnknownStateMachine_ThrowsStateMachineDoesNotExist()
    {
        await Assert.ThrowsAsync<StateMachineDoesNotExistException>(
            () => _client.StartExecutionAsync("arn:aws:states:us-east-1:123456789012:stateMachine:missing"));
    }

    [Fact]
    public async Task DescribeExecution_UnknownExecution_ThrowsExecutionDoesNotExist()
    {
        await Assert.ThrowsAsync<ExecutionDoesNotExistException>(
            () => _client.DescribeExecutionAsync("arn:aws:states:us-east-1:123456789012:execution:missing:run"));
    }

    [Fact]
    public async Task DescribeExecution_NotAnArn_ThrowsInvalidArn()
    {
        await Assert.ThrowsAsync<InvalidArnException>(() => _client.DescribeExecutionAsync("not-an-arn"));
    }

    [Fact]
    public async Task StopExecution_RunningExecution_EndsAborted()
    {
        var machine = await CreateAsync(Definitions.LongWait);
        var started = await _client.StartExecutionAsync(machine);

        var stopDate = await _client.StopExecutionAsync(started.ExecutionArn, "Cancelled", "the upload was withdrawn");
        var described = await _client.DescribeExecutionAsync(started.ExecutionArn);

        Assert.Equal("ABORTED", described.Status);
        Assert.True(stopDate >= started.StartDate);
    }

    [Fact]
    public async Task StartExecution_Request_CarriesASigV4SignatureBotocoreAgreesWith()
    {
        var machine = await CreateAsync(Definitions.TwoPasses);

        await _client.StartExecutionAsync(machine, "signed", """{"signed":true}""");
        var request = server.LastRequest!;

        var authorization = request.Headers["Authorization"];
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/", authorization, StringComparison.Ordinal);
        Assert.Contains("/us-east-1/states/aws4_request", authorization, StringComparison.Ordinal);
        Assert.Equal("AWSStepFunctions.StartExecution", request.Headers["X-Amz-Target"]);
        var check = await ProcessRunner.RunAsync(
            "python3",
            [Path.Combine(RepositoryPaths.Root, "tests", "FileUploader.Server.Tests", "StepFunctionsApi", "sigv4_check.py")],
            AwsClientEnvironment.Create(),
            standardInput: new JsonObject
            {
                ["method"] = request.Method,
                ["url"] = request.Url,
                ["headers"] = new JsonObject([.. request.Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value))]),
                ["body"] = Encoding.UTF8.GetString(request.Body),
                ["accessKey"] = "AKIDLOCALTEST",
                ["secretKey"] = "local-test-secret",
                ["region"] = "us-east-1",
                ["service"] = "states",
            }.ToJsonString());
        Assert.True(check.ExitCode == 0, check.ToString());
        var expected = JsonNode.Parse(check.StandardOutput)!;
        Assert.Contains("x-amz-target", expected["signedHeaders"]!.GetValue<string>().Split(';'));
        Assert.EndsWith("Signature=" + expected["signature"]!.GetValue<string>(), authorization, StringComparison.Ordinal);
    }

    public void Dispose() => _client.Dispose();

    private async Task<string> CreateAsync(string definition)
    {
        var created = await server.Engine.CreateStateMachineAsync(
            new FileUploader.StateMachine.Service.CreateStateMachineRequest("client-" + Guid.NewGuid().ToString("N")[..12], definition, Definitions.Role, null),
            CancellationToken.None);
        return created.StateMachineArn;
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
}

/// <summary>
/// Our typed Step Functions client against moto's Step Functions, an independent implementation of the protocol.
/// This moto records executions without running them, so they stay RUNNING until stopped.
/// </summary>
public sealed class StepFunctionsClientMotoTests(MotoServer moto) : IClassFixture<MotoServer>, IDisposable
{
    private readonly MotoHelper _moto = new(moto.Endpoint);

    [Fact]
    public async Task StartExecution_OnMotoSameNameOtherInput_ThrowsExecutionAlreadyExists()
    {
        var machine = await _moto.CreateStateMachineAsync(Definitions.TwoPasses);
        await _moto.Client.StartExecutionAsync(machine, "once", """{"v":1}""");

        var error = await Assert.ThrowsAsync<ExecutionAlreadyExistsException>(() => _moto.Client.StartExecutionAsync(machine, "once", """{"v":2}"""));

        Assert.Equal("ExecutionAlreadyExists", error.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact]
    public async Task StopExecution_OnMotoRunning_EndsAborted()
    {
        var machine = await _moto.CreateStateMachineAsync(Definitions.LongWait);
        var started = await _moto.Client.StartExecutionAsync(machine, "to-stop", "{}");

        var stopDate = await _moto.Client.StopExecutionAsync(started.ExecutionArn, "Cancelled", "withdrawn");
        var described = await _moto.Client.DescribeExecutionAsync(started.ExecutionArn);

        Assert.Equal("ABORTED", described.Status);
        Assert.Equal("to-stop", described.Name);
        Assert.True(stopDate >= started.StartDate.AddSeconds(-1));
    }

    [Fact]
    public async Task DescribeExecution_OnMotoUnknown_ThrowsExecutionDoesNotExist()
    {
        var error = await Assert.ThrowsAsync<ExecutionDoesNotExistException>(
            () => _moto.Client.DescribeExecutionAsync("arn:aws:states:us-east-1:123456789012:execution:missing:run"));

        Assert.Equal("ExecutionDoesNotExist", error.ErrorCode);
    }

    [Fact]
    public async Task StartExecution_OnMotoUnknownStateMachine_ThrowsStateMachineDoesNotExist()
    {
        await Assert.ThrowsAsync<StateMachineDoesNotExistException>(
            () => _moto.Client.StartExecutionAsync("arn:aws:states:us-east-1:123456789012:stateMachine:missing"));
    }

    public void Dispose() => _moto.Dispose();
}

/// <summary>Our client against moto actually running a definition (one execution per moto process, see <see cref="ExecutingMotoServer"/>).</summary>
public sealed class StepFunctionsClientMotoExecutionTests(ExecutingMotoServer moto) : IClassFixture<ExecutingMotoServer>, IDisposable
{
    private readonly MotoHelper _moto = new(moto.Endpoint);

    [Fact]
    public async Task StartExecution_OnExecutingMoto_RunsToSucceededWithOutput()
    {
        var machine = await _moto.CreateStateMachineAsync(Definitions.TwoPasses);

        var started = await _moto.Client.StartExecutionAsync(machine, "moto-run", """{"x":1}""");
        var described = await _moto.WaitUntilDoneAsync(started.ExecutionArn);

        Assert.Equal("SUCCEEDED", described.Status);
        Assert.Equal(machine, described.StateMachineArn);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"x":1,"a":{"step":"a"},"b":{"step":"b"}}"""), JsonNode.Parse(described.Output!)));
    }

    public void Dispose() => _moto.Dispose();
}

/// <summary>Our client aimed at a moto endpoint, plus what the client itself does not offer (CreateStateMachine).</summary>
internal sealed class MotoHelper(Uri endpoint) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = endpoint };

    public StepFunctionsClient Client { get; } = new(new StepFunctionsClientOptions(
        endpoint, "us-east-1", new BasicAWSCredentials("AKIDLOCALTEST", "local-test-secret")));

    /// <summary>
    /// A plain JSON 1.0 CreateStateMachine. moto does not check signatures but picks the service from the
    /// Authorization header's credential scope, so the header names "states".
    /// </summary>
    public async Task<string> CreateStateMachineAsync(string definition)
    {
        var body = new JsonObject
        {
            ["name"] = "moto-" + Guid.NewGuid().ToString("N")[..12],
            ["definition"] = definition,
            ["roleArn"] = Definitions.Role,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/", UriKind.Relative));
        request.Headers.Add("X-Amz-Target", "AWSStepFunctions.CreateStateMachine");
        request.Headers.TryAddWithoutValidation(
            "Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20260101/us-east-1/states/aws4_request, SignedHeaders=host, Signature=0");
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.0");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!["stateMachineArn"]!.GetValue<string>();
    }

    public async Task<ExecutionDetails> WaitUntilDoneAsync(string executionArn)
    {
        // moto runs the execution on a thread of its own and offers nothing to wait on but DescribeExecution.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var described = await Client.DescribeExecutionAsync(executionArn, timeout.Token);
            if (described.Status != "RUNNING")
            {
                return described;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    public void Dispose()
    {
        Client.Dispose();
        _http.Dispose();
    }
}

/// <summary>Where <see cref="StepFunctionsClientOptions.FromEnvironment(Func{string, string?}, string?, AWSCredentials?)"/> points the client.</summary>
public sealed class StepFunctionsClientOptionsTests
{
    private static readonly BasicAWSCredentials Keys = new("AKIDLOCALTEST", "local-test-secret");

    [Fact]
    public void FromEnvironment_ServiceSpecificEndpointSet_WinsOverTheGlobalOne()
    {
        var options = StepFunctionsClientOptions.FromEnvironment(
            Lookup(("AWS_ENDPOINT_URL_SFN", "http://127.0.0.1:7001"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:7002"), ("AWS_REGION", "eu-west-1")),
            credentials: Keys);

        Assert.Equal(new Uri("http://127.0.0.1:7001"), options.Endpoint);
        Assert.Equal("eu-west-1", options.Region);
    }

    [Fact]
    public void FromEnvironment_OnlyGlobalEndpointSet_UsesIt()
    {
        var options = StepFunctionsClientOptions.FromEnvironment(
            Lookup(("AWS_ENDPOINT_URL", "http://127.0.0.1:7002"), ("AWS_DEFAULT_REGION", "eu-central-1")), credentials: Keys);

        Assert.Equal(new Uri("http://127.0.0.1:7002"), options.Endpoint);
        Assert.Equal("eu-central-1", options.Region);
    }

    [Fact]
    public void FromEnvironment_NoEndpointSet_UsesTheRegionalAwsEndpoint()
    {
        var options = StepFunctionsClientOptions.FromEnvironment(
            Lookup(("AWS_REGION", "ap-southeast-2"), ("AWS_DEFAULT_REGION", "us-west-2")), credentials: Keys);

        Assert.Equal(new Uri("https://states.ap-southeast-2.amazonaws.com/"), options.Endpoint);
        Assert.Equal("ap-southeast-2", options.Region);
    }

    [Fact]
    public async Task FromEnvironment_EndpointOfTheLocalServer_ClientReachesIt()
    {
        var server = new StepFunctionsApiServer();
        await server.InitializeAsync();
        try
        {
            var options = StepFunctionsClientOptions.FromEnvironment(Lookup(("AWS_ENDPOINT_URL_SFN", server.Endpoint.ToString())), region: "us-east-1", credentials: Keys);
            using var client = new StepFunctionsClient(options);

            var error = await Assert.ThrowsAsync<ExecutionDoesNotExistException>(
                () => client.DescribeExecutionAsync("arn:aws:states:us-east-1:123456789012:execution:none:none"));

            Assert.Equal("ExecutionDoesNotExist", error.ErrorCode);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static Func<string, string?> Lookup(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}
