using Amazon.DynamoDBv2;
using Amazon.S3;
using FileUploader.Lambda.Hosting;
using FileUploader.Lambda.HttpApi;
using FileUploader.Lambda.RuntimeApi;
using FileUploader.Testing.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Lambda.Tests.HttpApi;

/// <summary>
/// The HttpApi function's host in this process (the same bootstrap code and composition as the native binary); the
/// SDK clients are the test's, aimed at moto. Links name the API's own domain from the event.
/// </summary>
public sealed class InProcessHttpApiTests(MotoServerFixture moto) : HttpApiJourneyTests(moto), IClassFixture<MotoServerFixture>
{
    private readonly CancellationTokenSource _stop = new();
    private RuntimeApiClient? _client;
    private Task<int>? _running;

    protected override string ExpectedBaseUrl => "https://" + HttpApiWorld.Domain;

    protected override Task StartFunctionAsync(HttpApiWorld world)
    {
        var variables = new Dictionary<string, string>
        {
            ["AWS_LAMBDA_RUNTIME_API"] = world.Runtime.RuntimeApi,
            ["_HANDLER"] = HttpApiInvocationHandler.HandlerName,
            ["AWS_REGION"] = HttpApiWorld.Region,
            ["BUCKET_NAME"] = world.Options.BucketName,
            ["TABLE_NAME"] = world.Options.TableName,
            ["EXPIRY_STATE_MACHINE_ARN"] = world.ExpiryStateMachineArn,
        };
        var environment = LambdaEnvironment.From(name => variables.GetValueOrDefault(name));
        _client = new RuntimeApiClient(world.Runtime.RuntimeApi);
        _running = LambdaBootstrap.RunAsync(
            environment,
            _client,
            builder =>
            {
                builder.Services.AddSingleton<IAmazonS3>(world.S3);
                builder.Services.AddSingleton<IAmazonDynamoDB>(world.DynamoDb);
                builder.Services.AddSingleton(world.StepFunctions);
                builder.Services.AddFileUploaderHttpApi(environment);
            },
            _stop.Token);
        return Task.CompletedTask;
    }

    protected override async Task StopFunctionAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            Assert.Equal(0, await _running.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        _client?.Dispose();
        _stop.Dispose();
    }
}
