using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using FileUploader.Core.Domain;
using FileUploader.Core.Steps;
using FileUploader.Lambda.Tests.Emulator;
using FileUploader.Storage.Aws;
using FileUploader.Storage.Aws.StepFunctions;
using FileUploader.Testing.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FileUploader.Lambda.Tests.HttpApi;

/// <summary>
/// What the API function meets in AWS, on moto over loopback: a bucket, a table and an expiry state machine; the
/// upload workflow's steps, run as the EventBridge rule's execution would run them; and API Gateway's side of the
/// conversation (payload 2.0 events queued on the Runtime API emulator, their answers read back).
/// </summary>
public sealed class HttpApiWorld : IAsyncDisposable
{
    public const string Region = "us-east-1";
    public const string Domain = "abc123.execute-api.us-east-1.amazonaws.com";

    private readonly MotoServerFixture _moto;
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };
    private ServiceProvider _steps = null!;

    private HttpApiWorld(MotoServerFixture moto) => _moto = moto;

    public AwsStorageOptions Options { get; private set; } = null!;

    public AmazonS3Client S3 { get; private set; } = null!;

    public AmazonDynamoDBClient DynamoDb { get; private set; } = null!;

    public StepFunctionsClient StepFunctions { get; private set; } = null!;

    public string ExpiryStateMachineArn { get; private set; } = null!;

    public RuntimeApiEmulator Runtime { get; private set; } = null!;

    public BasicAWSCredentials Credentials => new(_moto.AccessKeyId, _moto.SecretAccessKey);

    public Uri MotoUrl => _moto.ServiceUrl;

    public static async Task<HttpApiWorld> CreateAsync(MotoServerFixture moto)
    {
        var world = new HttpApiWorld(moto);
        await world.InitializeAsync();
        return world;
    }

    private async Task InitializeAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        Options = new AwsStorageOptions
        {
            BucketName = "fu-api-" + suffix,
            TableName = "fu-api-" + suffix,
            Region = Region,
            S3ServiceUrl = _moto.ServiceUrl,
            DynamoDbServiceUrl = _moto.ServiceUrl,
            Credentials = Credentials,
        };
        S3 = AwsClientFactory.CreateS3Client(Options);
        DynamoDb = AwsClientFactory.CreateDynamoDbClient(Options);
        await AwsResourceSetup.EnsureBucketAsync(S3, Options.BucketName, CancellationToken.None);
        await AwsResourceSetup.EnsureTableAsync(DynamoDb, Options.TableName, CancellationToken.None);
        StepFunctions = new StepFunctionsClient(new StepFunctionsClientOptions(_moto.ServiceUrl, Region, Credentials));
        ExpiryStateMachineArn = await CreateStateMachineAsync("fu-expiry-" + suffix);
        Runtime = await RuntimeApiEmulator.StartAsync();

        // The upload workflow's steps with the same AWS adapters, as their Lambda functions would run them.
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(UploadPolicy.Default);
        services.AddSingleton<IAmazonS3>(S3);
        services.AddSingleton<IAmazonDynamoDB>(DynamoDb);
        services.AddAwsStorage(Options);
        services.AddSteps();
        _steps = services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        await _steps.DisposeAsync();
        StepFunctions.Dispose();
        S3.Dispose();
        DynamoDb.Dispose();
        _http.Dispose();
    }

    /// <summary>What the EventBridge rule's execution does once the bytes are staged: the upload workflow's happy path.</summary>
    public async Task<string> RunUploadWorkflowAsync(string uploadId)
    {
        var executionId = $"arn:aws:states:{Region}:123456789012:execution:fu-upload:{Guid.NewGuid():N}";
        var upload = await StepAsync("Validate", new JsonObject { ["uploadId"] = uploadId });
        var fileId = (string)upload!["fileId"]!;
        await StepAsync("Store", new JsonObject { ["uploadId"] = uploadId, ["fileId"] = fileId, ["sha256"] = (string?)upload["sha256"] });
        var record = await StepAsync("Record", new JsonObject { ["executionId"] = executionId, ["upload"] = upload.DeepClone() });
        await StepAsync("Presign", new JsonObject { ["fileId"] = fileId });

        // ScheduleExpiry: the expiry execution, named after the file.
        await StepFunctions.StartExecutionAsync(ExpiryStateMachineArn, fileId, new JsonObject { ["fileId"] = fileId, ["expiresAt"] = (string?)record!["expiresAt"] }.ToJsonString());
        await StepAsync("FinishUpload", new JsonObject { ["uploadId"] = uploadId, ["fileId"] = fileId });
        return fileId;
    }

    public Task<JsonNode?> StepAsync(string step, JsonObject input) => StepRegistry.InvokeAsync(step, _steps, input, CancellationToken.None);

    public string ExpiryExecutionArn(string fileId) =>
        ExpiryStateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + fileId;

    /// <summary>Sends the bytes as a browser would: the pre-signed POST's fields first, the file last.</summary>
    public async Task<HttpResponseMessage> PostToS3Async(JsonNode initiated, byte[] bytes, string contentType)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in initiated["fields"]!.AsObject())
        {
            form.Add(new StringContent(value!.GetValue<string>()), name);
        }

        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "file", "upload");
        return await _http.PostAsync((string)initiated["uploadUrl"]!, form);
    }

    public Task<byte[]> DownloadAsync(Uri url) => _http.GetByteArrayAsync(url);

    /// <summary>API Gateway's side: one payload 2.0 event through the Runtime API, its answer back.</summary>
    public async Task<HttpAnswer> SendAsync(
        string method,
        string rawPath,
        string rawQuery = "",
        IReadOnlyDictionary<string, string>? headers = null,
        string? body = null,
        bool base64 = false)
    {
        var headerObject = new JsonObject { ["host"] = Domain, ["user-agent"] = "curl/8.5.0" };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            headerObject[name.ToLowerInvariant()] = value;
        }

        var payload = new JsonObject
        {
            ["version"] = "2.0",
            ["routeKey"] = "ANY /{proxy+}",
            ["rawPath"] = rawPath,
            ["rawQueryString"] = rawQuery,
            ["headers"] = headerObject,
            ["requestContext"] = new JsonObject
            {
                ["accountId"] = "123456789012",
                ["apiId"] = "abc123",
                ["domainName"] = Domain,
                ["domainPrefix"] = "abc123",
                ["http"] = new JsonObject
                {
                    ["method"] = method,
                    ["path"] = rawPath,
                    ["protocol"] = "HTTP/1.1",
                    ["sourceIp"] = "192.0.2.10",
                    ["userAgent"] = (string?)headerObject["user-agent"],
                },
                ["requestId"] = Guid.NewGuid().ToString("N"),
                ["routeKey"] = "ANY /{proxy+}",
                ["stage"] = "$default",
                ["timeEpoch"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            },
            ["isBase64Encoded"] = base64,
        };
        if (body is not null)
        {
            payload["body"] = body;
        }

        var outcome = await Runtime.OutcomeAsync(Runtime.Enqueue(payload.ToJsonString()));
        Assert.True(outcome.Succeeded, $"{method} {rawPath} was an invocation error: {outcome.Body}");
        return HttpAnswer.Parse(outcome.Body);
    }

    public Task<HttpAnswer> PostJsonAsync(string rawPath, object value) =>
        SendAsync("POST", rawPath, headers: new Dictionary<string, string> { ["content-type"] = "application/json" }, body: System.Text.Json.JsonSerializer.Serialize(value));

    private async Task<string> CreateStateMachineAsync(string name)
    {
        // StepFunctionsClient covers what the service calls (start, describe, stop); creating is the deployment's job.
        using var request = new HttpRequestMessage(HttpMethod.Post, _moto.ServiceUrl);
        request.Headers.Add("X-Amz-Target", "AWSStepFunctions.CreateStateMachine");

        // moto picks the service from the credential scope and checks no signature.
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={_moto.AccessKeyId}/20260101/{Region}/states/aws4_request, SignedHeaders=host, Signature=0");
        var definition = """{"StartAt":"WaitUntilExpiry","States":{"WaitUntilExpiry":{"Type":"Wait","TimestampPath":"$.expiresAt","End":true}}}""";
        request.Content = new StringContent(
            new JsonObject { ["name"] = name, ["definition"] = definition, ["roleArn"] = "arn:aws:iam::123456789012:role/fu-expiry" }.ToJsonString(),
            Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return (string)JsonNode.Parse(text)!["stateMachineArn"]!;
    }
}

/// <summary>A payload 2.0 answer as API Gateway reads it.</summary>
public sealed record HttpAnswer(int StatusCode, IReadOnlyDictionary<string, string> Headers, string Body, bool IsBase64Encoded)
{
    public static HttpAnswer Parse(string responsePayload)
    {
        var node = JsonNode.Parse(responsePayload)!;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in node["headers"]?.AsObject() ?? [])
        {
            headers[name] = (string)value!;
        }

        return new HttpAnswer((int)node["statusCode"]!, headers, (string?)node["body"] ?? string.Empty, (bool?)node["isBase64Encoded"] ?? false);
    }

    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException("The body is JSON null.");

    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"No {name} header; have {string.Join(", ", Headers.Keys)}.");

    /// <summary>Asserts a refusal: the status, JSON <c>{error, message}</c>; returns the error name.</summary>
    public string AssertRefusal(int status)
    {
        Assert.True(StatusCode == status, $"expected {status}, got {StatusCode}: {Body}");
        Assert.StartsWith("application/json", Header("Content-Type"), StringComparison.Ordinal);
        var error = (string?)Json["error"];
        Assert.False(string.IsNullOrEmpty(error), Body);
        Assert.False(string.IsNullOrEmpty((string?)Json["message"]), Body);
        return error!;
    }
}
