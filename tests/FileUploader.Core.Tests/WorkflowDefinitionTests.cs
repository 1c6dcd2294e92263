using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using FileUploader.Core.Steps;

namespace FileUploader.Core.Tests;

/// <summary>Keeps statemachine/*.asl.json and the [Step] classes in step.</summary>
public sealed class WorkflowDefinitionTests
{
    private const string StartExecution = "arn:aws:states:::states:startExecution";

    private static readonly string[] ForwardStates = ["Validate", "Store", "Record", "Presign", "ScheduleExpiry", "FinishUpload"];

    /// <summary>Step name → its input type, found the way the generator finds them: by the attribute.</summary>
    private static readonly Dictionary<string, Type> StepInputs = typeof(StepAttribute).Assembly.GetTypes()
        .Select(t => (Type: t, Attribute: t.GetCustomAttribute<StepAttribute>()))
        .Where(s => s.Attribute is not null)
        .ToDictionary(
            s => s.Attribute!.Name,
            s => s.Type.GetInterfaces().Single(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IStep<,>)).GetGenericArguments()[0]);

    public static TheoryData<string> Files => new() { "upload.asl.json", "expiry.asl.json" };

    private static IEnumerable<(string Name, JsonObject State)> States(JsonObject definition) =>
        definition["States"]!.AsObject().Select(p => (p.Key, p.Value!.AsObject()));

    [Theory]
    [MemberData(nameof(Files))]
    public void TaskResources_EveryOne_NamesAStepOrTheExpiryStart(string file)
    {
        var definition = AslWalker.Load(file);

        foreach (var (name, state) in States(definition).Where(s => (string)s.State["Type"]! == "Task"))
        {
            var resource = (string)state["Resource"]!;
            if (resource == StartExecution)
            {
                Assert.Equal("${ExpiryStateMachineArn}", (string)state["Parameters"]!["StateMachineArn"]!);
                continue;
            }

            Assert.Matches("^\\$\\{[A-Za-z]+FunctionArn\\}$", resource);
            var step = resource[2..^"FunctionArn}".Length];
            Assert.True(StepInputs.ContainsKey(step), $"{file}: state {name} calls {resource}, but no [Step(\"{step}\")] exists.");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void TaskParameters_EveryStepTask_PassesExactlyItsInputFields(string file)
    {
        var definition = AslWalker.Load(file);

        foreach (var (name, state) in States(definition).Where(s => ((string?)s.State["Resource"])?.EndsWith("FunctionArn}", StringComparison.Ordinal) == true))
        {
            var resource = (string)state["Resource"]!;
            var inputType = StepInputs[resource[2..^"FunctionArn}".Length]];
            var expected = StepJsonContext.Default.GetTypeInfo(inputType)!.Properties.Select(p => p.Name).Order(StringComparer.Ordinal);
            var actual = state["Parameters"]!.AsObject().Select(p => p.Key.TrimEnd('$').TrimEnd('.')).Order(StringComparer.Ordinal);
            Assert.True(expected.SequenceEqual(actual), $"{file}: state {name} passes [{string.Join(", ", actual)}] but the step takes [{string.Join(", ", expected)}].");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Transitions_EveryTarget_IsADefinedState(string file)
    {
        var definition = AslWalker.Load(file);
        var names = States(definition).Select(s => s.Name).ToHashSet();

        Assert.Contains((string)definition["StartAt"]!, names);
        foreach (var (name, state) in States(definition))
        {
            var targets = new[] { (string?)state["Next"] }
                .Concat(state["Catch"]?.AsArray().Select(c => (string?)c!["Next"]) ?? []);
            Assert.All(targets.OfType<string>(), t => Assert.True(names.Contains(t), $"{file}: {name} goes to unknown state {t}."));
        }
    }

    [Fact]
    public void UploadWorkflow_HappyPath_RunsTheStepsInOrder()
    {
        var states = AslWalker.Load("upload.asl.json")["States"]!.AsObject();

        var path = new List<string> { (string)AslWalker.Load("upload.asl.json")["StartAt"]! };
        while (states[path[^1]]!["Next"] is { } next)
        {
            path.Add((string)next!);
        }

        Assert.Equal(["ReadUploadId", .. ForwardStates, "Done"], path);
        Assert.Equal("Succeed", (string)states["Done"]!["Type"]!);
    }

    [Theory]
    [InlineData("Validate", new[] { "DeleteStaging" })]
    [InlineData("Store", new[] { "DeleteObject", "DeleteStaging" })]
    [InlineData("Record", new[] { "DeleteRecord", "DeleteObject", "DeleteStaging" })]
    [InlineData("Presign", new[] { "DeleteRecord", "DeleteObject", "DeleteStaging" })]
    [InlineData("ScheduleExpiry", new[] { "DeleteRecord", "DeleteObject", "DeleteStaging" })]
    [InlineData("FinishUpload", new[] { "DeleteRecord", "DeleteObject", "DeleteStaging" })]
    public void UploadWorkflow_StepFailsForGood_CompensatesNewestFirstThenFailsWithTheOriginalError(string failing, string[] compensations)
    {
        var states = AslWalker.Load("upload.asl.json")["States"]!.AsObject();
        var catcher = states[failing]!["Catch"]!.AsArray().Single()!;
        Assert.Equal(["States.ALL"], catcher["ErrorEquals"]!.AsArray().Select(e => (string)e!));
        Assert.Equal("$.failure", (string)catcher["ResultPath"]!);

        var chain = new List<string> { (string)catcher["Next"]! };
        while (states[chain[^1]]!["Next"] is { } next)
        {
            chain.Add((string)next!);
        }

        Assert.Equal([.. compensations, "FailUpload", "UploadFailed"], chain);
        var fail = states["UploadFailed"]!;
        Assert.Equal("Fail", (string)fail["Type"]!);
        Assert.Equal("$.failure.Error", (string)fail["ErrorPath"]!);
        Assert.Equal("$.failure.Cause", (string)fail["CausePath"]!);
        // A compensation that fails for good goes on with the chain and keeps $.failure (the original error).
        foreach (var compensation in chain.SkipLast(1))
        {
            var state = states[compensation]!;
            Assert.NotEmpty(state["Retry"]!.AsArray());
            var next = (string?)state["Next"];
            Assert.All(state["Catch"]!.AsArray(), c =>
            {
                Assert.Equal(next, (string)c!["Next"]!);
                Assert.NotEqual("$.failure", (string)c["ResultPath"]!);
            });
        }
    }

    [Fact]
    public void UploadWorkflow_Retries_TransientErrorsWithJitterAndNeverUploadRejected()
    {
        var states = AslWalker.Load("upload.asl.json")["States"]!.AsObject();

        foreach (var name in ForwardStates.Where(n => n != "ScheduleExpiry"))
        {
            var retriers = states[name]!["Retry"]!.AsArray().Select(r => r!.AsObject()).ToList();
            var first = retriers.First(r => r["ErrorEquals"]!.AsArray().Any(e => (string)e! is "UploadRejected" or "States.ALL" or "States.TaskFailed"));
            Assert.Equal(0, (int)first["MaxAttempts"]!);
            var transient = retriers.Single(r => r["ErrorEquals"]!.AsArray().Any(e => (string)e! == "StorageUnavailable"));
            Assert.Equal(
                ["StorageUnavailable", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
                transient["ErrorEquals"]!.AsArray().Select(e => (string)e!));
            Assert.Equal(1, (int)transient["IntervalSeconds"]!);
            Assert.Equal(2, (double)transient["BackoffRate"]!);
            Assert.Equal(3, (int)transient["MaxAttempts"]!);
            Assert.Equal("FULL", (string)transient["JitterStrategy"]!);
            Assert.True((int)transient["MaxDelaySeconds"]! > 0);
        }
    }

    [Fact]
    public void UploadWorkflow_ScheduleExpiry_StartsTheExpiryNamedAfterTheFile()
    {
        var state = AslWalker.Load("upload.asl.json")["States"]!["ScheduleExpiry"]!;

        Assert.Equal(StartExecution, (string)state["Resource"]!);
        Assert.Equal("$.upload.fileId", (string)state["Parameters"]!["Name.$"]!);
        Assert.Equal("$.upload.fileId", (string)state["Parameters"]!["Input"]!["fileId.$"]!);
        Assert.Equal("$.record.expiresAt", (string)state["Parameters"]!["Input"]!["expiresAt.$"]!);
    }

    [Fact]
    public void ExpiryWorkflow_WaitsUntilExpiresAtThenExpires()
    {
        var definition = AslWalker.Load("expiry.asl.json");
        var states = definition["States"]!.AsObject();

        var wait = states[(string)definition["StartAt"]!]!;
        Assert.Equal("Wait", (string)wait["Type"]!);
        Assert.Equal("$.expiresAt", (string)wait["TimestampPath"]!);
        var expire = states[(string)wait["Next"]!]!;
        Assert.Equal("${ExpireFunctionArn}", (string)expire["Resource"]!);
        Assert.NotEmpty(expire["Retry"]!.AsArray());
        Assert.Equal("Succeed", (string)states[(string)expire["Next"]!]!["Type"]!);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task AslValidator_Definition_IsValidAsl(string file)
    {
        // The pinned npm tool; test.sh installs it (npm ci in tools/).
        var validator = Path.Combine(RepositoryRoot.Path, "tools", "node_modules", ".bin", "asl-validator");
        Assert.True(File.Exists(validator), $"{validator} is missing: run `npm ci` in tools/ (test.sh does).");
        var start = new ProcessStartInfo(validator, ["--json-path", Path.Combine(RepositoryRoot.Path, "statemachine", file)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("is valid", output, StringComparison.Ordinal);
    }
}
