using FileUploader.Lambda.Tests.Native;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Lambda.Tests.HttpApi;

/// <summary>
/// The same journey through the published Native AOT <c>bootstrap</c> with <c>_HANDLER=HttpApi</c>: only what Lambda
/// would set in its environment, endpoints from <c>AWS_ENDPOINT_URL_*</c> as every AWS SDK reads them, and
/// <c>PUBLIC_BASE_URL</c> naming a custom domain for the links.
/// </summary>
[Collection(NativeBootstrapCollection.Name)]
public sealed class NativeHttpApiTests(NativeBootstrapFixture bootstrap, MotoServerFixture moto)
    : HttpApiJourneyTests(moto), IClassFixture<MotoServerFixture>
{
    private readonly MotoServerFixture _moto = moto;
    private BootstrapProcess? _process;

    protected override string ExpectedBaseUrl => "https://files.example.test";

    protected override Task StartFunctionAsync(HttpApiWorld world)
    {
        var endpoint = _moto.ServiceUrl.ToString().TrimEnd('/');
        _process = BootstrapProcess.Start(bootstrap.BootstrapPath, new Dictionary<string, string>
        {
            ["AWS_LAMBDA_RUNTIME_API"] = world.Runtime.RuntimeApi,
            ["_HANDLER"] = "HttpApi",
            ["AWS_LAMBDA_FUNCTION_NAME"] = "fileuploader-HttpApi",
            ["AWS_REGION"] = HttpApiWorld.Region,
            ["AWS_ACCESS_KEY_ID"] = _moto.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = _moto.SecretAccessKey,
            ["AWS_ENDPOINT_URL_S3"] = endpoint,
            ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint,
            ["AWS_ENDPOINT_URL_SFN"] = endpoint,
            ["BUCKET_NAME"] = world.Options.BucketName,
            ["TABLE_NAME"] = world.Options.TableName,
            ["EXPIRY_STATE_MACHINE_ARN"] = world.ExpiryStateMachineArn,
            ["PUBLIC_BASE_URL"] = ExpectedBaseUrl,
            ["HOME"] = Path.GetTempPath(),
        });
        return Task.CompletedTask;
    }

    protected override async Task StopFunctionAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}
