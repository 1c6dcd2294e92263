using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>The protocol at the HTTP level: what a client that is not an AWS SDK (curl, a bug) can send.</summary>
public sealed class EndpointHttpTests(StepFunctionsApiServer server) : IClassFixture<StepFunctionsApiServer>, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = server.Endpoint, Timeout = TimeSpan.FromSeconds(30) };

    public static TheoryData<string, string, string> BadRequests() => new()
    {
        // target, body, expected __type
        { "AWSStepFunctions.DescribeStateMachine", "{\"stateMachineArn\": ", "SerializationException" },
        { "AWSStepFunctions.DescribeStateMachine", "not json at all", "SerializationException" },
        { "AWSStepFunctions.DescribeStateMachine", "[1,2,3]", "SerializationException" },
        { "AWSStepFunctions.DescribeStateMachine", "\"a string\"", "SerializationException" },
        { "AWSStepFunctions.DescribeStateMachine", "{\"stateMachineArn\": 12}", "SerializationException" },
        { "AWSStepFunctions.ListExecutions", "{\"stateMachineArn\": \"arn:aws:states:us-east-1:123456789012:stateMachine:x\", \"maxResults\": \"ten\"}", "SerializationException" },
        { "AWSStepFunctions.DescribeStateMachine", "{}", "ValidationException" },
        { "AWSStepFunctions.DescribeStateMachine", "", "ValidationException" },
        { "AWSStepFunctions.CreateStateMachine", "{\"name\": \"x\"}", "ValidationException" },
        { "AWSStepFunctions.StartExecution", "{\"input\": \"{}\"}", "ValidationException" },
        { "AWSStepFunctions.ListExecutions", "{\"stateMachineArn\": \"arn:aws:states:us-east-1:123456789012:stateMachine:x\", \"maxResults\": 5000}", "ValidationException" },
        { "AWSStepFunctions.CreateStateMachine", "{\"name\": \"\", \"definition\": \"{}\", \"roleArn\": \"arn:aws:iam::1:role/r\"}", "ValidationException" },
        { "AWSStepFunctions.CreateStateMachine", "{\"name\": \"x\", \"definition\": \"{}\", \"roleArn\": \"arn:aws:iam::1:role/r\", \"type\": \"HUGE\"}", "ValidationException" },
        { "AWSStepFunctions.GetExecutionHistory", "{\"executionArn\": \"nope\"}", "InvalidArn" },
        { "AWSStepFunctions.CreateStateMachine", "{\"name\": \"x\", \"definition\": \"{\\\"StartAt\\\": 5}\", \"roleArn\": \"arn:aws:iam::1:role/r\"}", "InvalidDefinition" },
        { "AWSStepFunctions.ListStateMachines", "{\"maxResults\": -1}", "ValidationException" },
        { "AWSStepFunctions.ListStateMachines", "{\"nextToken\": \"not-a-token-we-issued\"}", "InvalidToken" },
        { "AWSStepFunctions.DoSomethingElse", "{}", "UnknownOperationException" },
        { "AmazonS3.PutObject", "{}", "UnknownOperationException" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Post_BadRequest_Answers400WithAwsErrorShape(string target, string body, string expectedType)
    {
        using var response = await PostAsync(target, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expectedType, string.Join(',', response.Headers.GetValues("x-amzn-ErrorType")));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(expectedType, error["__type"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Post_InvalidUtf8Body_Answers400SerializationException()
    {
        using var response = await PostAsync("AWSStepFunctions.ListStateMachines", [0x7B, 0xFF, 0xFE, 0x7D]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("SerializationException", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["__type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_BodyOverTheLimit_Answers400WithoutReadingItAll()
    {
        using var response = await PostAsync("AWSStepFunctions.ListStateMachines", new byte[5 * 1024 * 1024]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ValidationException", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["__type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_WithoutTarget_IsNotServedByTheStepFunctionsEndpoint()
    {
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");

        using var response = await _http.PostAsync(new Uri("/", UriKind.Relative), content);

        // The routing policy drops the endpoint for a POST / without X-Amz-Target, so another endpoint (the
        // upload page's form, in the server) may take it; here there is none.
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.Contains("x-amzn-ErrorType"));
    }

    [Fact]
    public async Task Post_ListStateMachinesWithEmptyObject_Answers200InAwsShape()
    {
        using var response = await PostAsync("AWSStepFunctions.ListStateMachines", "{}"u8.ToArray());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-amz-json-1.0", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["stateMachines"]!.AsArray());
    }

    [Fact]
    public async Task Post_SyncHostPrefix_IsServedLikeThePlainHost()
    {
        // What botocore sends for StartSyncExecution when host-prefix injection is on: Host "sync-<host>".
        // Sent over a raw socket so the Host header is exactly that while the connection goes to 127.0.0.1.
        var body = "{\"definition\": \"{\\\"StartAt\\\":\\\"P\\\",\\\"States\\\":{\\\"P\\\":{\\\"Type\\\":\\\"Pass\\\",\\\"End\\\":true}}}\"}";
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.Endpoint.Port);
        await using var stream = client.GetStream();
        var request =
            "POST / HTTP/1.1\r\n" +
            $"Host: sync-127.0.0.1:{server.Endpoint.Port}\r\n" +
            "X-Amz-Target: AWSStepFunctions.ValidateStateMachineDefinition\r\n" +
            "Content-Type: application/x-amz-json-1.0\r\n" +
            $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n" +
            "Connection: close\r\n\r\n" + body;
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        using var reader = new StreamReader(stream);
        var answer = await reader.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Contains("\"result\":\"OK\"", answer, StringComparison.Ordinal);
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> PostAsync(string target, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/", UriKind.Relative));
        request.Headers.Add("X-Amz-Target", target);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
        return await _http.SendAsync(request);
    }
}
