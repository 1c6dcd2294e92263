using FileUploader.Testing.Fixtures;

namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>
/// The endpoint as the shipped server hosts it (the real FileUploader.Server process, with its upload page, API and
/// engine): a user pointing the AWS CLI at the server sees the workflows it runs.
/// </summary>
public sealed class RealServerEndpointTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("fileuploader-sfn-server-").FullName;
    private ServerProcess? _server;

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(_data);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task AwsCli_AgainstTheServer_DescribesItsUploadWorkflowWithAValidDefinition()
    {
        var aws = new AwsCli(_server!.BaseUrl);

        var machines = await aws.JsonAsync("list-state-machines");
        var uploadArn = machines["stateMachines"]!.AsArray()
            .Select(m => m!["stateMachineArn"]!.GetValue<string>())
            .Single(arn => arn.EndsWith("Upload", StringComparison.OrdinalIgnoreCase));
        var upload = await aws.JsonAsync("describe-state-machine", "--state-machine-arn", uploadArn);
        var definition = upload["definition"]!.GetValue<string>();

        // The shipped statemachine/upload.asl.json has ${…} placeholders (SAM DefinitionSubstitutions); the server
        // runs it with them filled in, and that definition must pass the same validation AWS applies.
        var validation = await aws.JsonAsync("validate-state-machine-definition", "--definition", definition);

        Assert.Equal("ACTIVE", upload["status"]!.GetValue<string>());
        Assert.DoesNotContain("${", definition, StringComparison.Ordinal);
        Assert.Equal("OK", validation["result"]!.GetValue<string>());
    }
}
