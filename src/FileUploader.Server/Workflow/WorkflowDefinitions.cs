using System.Text.RegularExpressions;
using FileUploader.Server.Diagnostics;
using FileUploader.StateMachine.Service;

namespace FileUploader.Server.Workflow;

/// <summary>The ARNs of the two state machines once they exist in the engine.</summary>
internal sealed class WorkflowArns
{
    private string? _upload;
    private string? _expiry;

    public string Upload => _upload ?? throw new InvalidOperationException("The state machines are not created yet.");

    public string Expiry => _expiry ?? throw new InvalidOperationException("The state machines are not created yet.");

    public void Set(string upload, string expiry)
    {
        _upload = upload;
        _expiry = expiry;
    }
}

/// <summary>
/// Loads <c>statemachine/*.asl.json</c> (the files Step Functions runs in AWS), applies the same
/// DefinitionSubstitutions SAM would (<c>${ValidateFunctionArn}</c> → a local function ARN,
/// <c>${ExpiryStateMachineArn}</c> → the local expiry machine) and creates or updates both machines.
/// </summary>
internal sealed partial class WorkflowDefinitions(IStepFunctions stepFunctions, WorkflowArns arns, ILogger<WorkflowDefinitions> logger)
{
    public const string UploadMachineName = "FileUploaderUpload";
    public const string ExpiryMachineName = "FileUploaderExpiry";

    public static string DefinitionDirectory => Path.Combine(AppContext.BaseDirectory, "statemachine");

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var expiry = await CreateOrUpdateAsync(ExpiryMachineName, Substitute(Read("expiry.asl.json"), expiryArn: null), cancellationToken);
        var upload = await CreateOrUpdateAsync(UploadMachineName, Substitute(Read("upload.asl.json"), expiry), cancellationToken);
        arns.Set(upload, expiry);
    }

    /// <summary>Replaces every <c>${Name}</c> the way SAM's DefinitionSubstitutions do; an unknown name is a startup error.</summary>
    internal static string Substitute(string definition, string? expiryArn) =>
        Placeholder().Replace(definition, match =>
        {
            var name = match.Groups["name"].Value;
            if (name.EndsWith("FunctionArn", StringComparison.Ordinal) && name.Length > "FunctionArn".Length)
            {
                return LocalFunctions.Arn(name[..^"FunctionArn".Length]);
            }

            if (name == "ExpiryStateMachineArn" && expiryArn is not null)
            {
                return expiryArn;
            }

            throw new InvalidOperationException($"The definition uses ${{{name}}}, which the local server cannot substitute.");
        });

    private static string Read(string fileName)
    {
        var path = Path.Combine(DefinitionDirectory, fileName);
        return File.Exists(path)
            ? File.ReadAllText(path)
            : throw new FileNotFoundException($"The workflow definition {path} is missing; it is copied next to the server on build.", path);
    }

    private async Task<string> CreateOrUpdateAsync(string name, string definition, CancellationToken cancellationToken)
    {
        string? arn = null;
        string? nextToken = null;
        do
        {
            var page = await stepFunctions.ListStateMachinesAsync(100, nextToken, cancellationToken);
            arn = page.Items.FirstOrDefault(m => m.Name == name)?.StateMachineArn;
            nextToken = page.NextToken;
        }
        while (arn is null && nextToken is not null);

        if (arn is null)
        {
            arn = (await stepFunctions.CreateStateMachineAsync(new CreateStateMachineRequest(name, definition, RoleArn: null, Type: "STANDARD"), cancellationToken)).StateMachineArn;
        }
        else
        {
            var existing = await stepFunctions.DescribeStateMachineAsync(arn, cancellationToken);
            if (existing.Definition != definition)
            {
                await stepFunctions.UpdateStateMachineAsync(new UpdateStateMachineRequest(arn, definition, RoleArn: null), cancellationToken);
            }
        }

        Log.StateMachineReady(logger, name, arn);
        return arn;
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z0-9_]+)\}")]
    private static partial Regex Placeholder();
}
