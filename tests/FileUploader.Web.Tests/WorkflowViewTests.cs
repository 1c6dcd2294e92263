using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FileUploader.Web.Tests;

/// <summary>The workflow view in real Chromium: executions started through the Step Functions endpoint.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WorkflowViewTests(BrowserFixture fixture)
{
    private const string Definition = """
        {
          "StartAt": "Check",
          "States": {
            "Check": { "Type": "Choice", "Choices": [ { "Variable": "$.ok", "BooleanEquals": true, "Next": "Work" } ], "Default": "Boom" },
            "Work": { "Type": "Pass", "Result": { "done": true }, "ResultPath": "$.work", "Next": "Fan" },
            "Fan": {
              "Type": "Parallel",
              "Branches": [
                { "StartAt": "Left", "States": { "Left": { "Type": "Pass", "End": true } } },
                { "StartAt": "Right", "States": { "Right": { "Type": "Pass", "End": true } } }
              ],
              "End": true
            },
            "Boom": { "Type": "Fail", "Error": "Refused", "Cause": "asked to fail" }
          }
        }
        """;

    [Fact]
    public async Task FinishedAndFailedExecutions_GraphColoursEachStateByWhatHappened()
    {
        var machineArn = (await CallAsync("CreateStateMachine", new JsonObject
        {
            ["name"] = $"view-{Guid.NewGuid():N}",
            ["definition"] = Definition,
            ["roleArn"] = "arn:aws:iam::123456789012:role/local",
        }))["stateMachineArn"]!.GetValue<string>();
        var succeeded = await RunAsync(machineArn, """{"ok": true}""");
        var failed = await RunAsync(machineArn, """{"ok": false}""");

        var page = await fixture.NewPageAsync();
        await page.GotoAsync($"/console#/execution/{Uri.EscapeDataString(succeeded)}");
        await Expect(page.Locator("#execution-status")).ToHaveTextAsync("SUCCEEDED");
        foreach (var state in new[] { "Check", "Work", "Fan", "Left", "Right" })
        {
            await Expect(StateNode(page, state)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bsucceeded\b"));
        }

        await Expect(StateNode(page, "Boom")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\b(succeeded|failed|running)\b"));
        await StateNode(page, "Work").ClickAsync();
        await Expect(page.Locator("#state-output")).ToContainTextAsync("\"done\": true");
        await Expect(page.Locator("#history tbody tr").First).ToContainTextAsync("ExecutionStarted");
        await BrowserFixture.ScreenshotAsync(page, "workflow-succeeded");

        await page.GotoAsync($"/console#/execution/{Uri.EscapeDataString(failed)}");
        await Expect(page.Locator("#execution-status")).ToHaveTextAsync("FAILED");
        await Expect(page.Locator("#execution-error")).ToContainTextAsync("Refused");
        await Expect(StateNode(page, "Check")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bsucceeded\b"));
        await Expect(StateNode(page, "Boom")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bfailed\b"));
        await Expect(StateNode(page, "Work")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\b(succeeded|failed)\b"));
        await Expect(page.Locator("#executions tbody tr")).ToHaveCountAsync(2);
        await BrowserFixture.ScreenshotAsync(page, "workflow-failed");
    }

    [Fact]
    public async Task UploadWorkflow_RejectedUpload_ValidateCaughtCompensationRunFailStateFailed()
    {
        // A "PNG" that is really text: Validate sniffs the bytes and rejects it, and the Catch runs the compensation.
        using var http = new HttpClient();
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(Encoding.UTF8.GetBytes("this is not a picture"));
        part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(part, "file", "holiday.png");
        using var rejected = await http.PostAsync(new Uri(fixture.Server.BaseUrl, "upload"), form);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, rejected.StatusCode);
        var uploadMachine = (await CallAsync("ListStateMachines", new JsonObject()))["stateMachines"]!.AsArray()
            .Select(m => m!["stateMachineArn"]!.GetValue<string>())
            .Single(arn => arn.EndsWith(":FileUploaderUpload", StringComparison.Ordinal));
        var failed = (await CallAsync("ListExecutions", new JsonObject { ["stateMachineArn"] = uploadMachine, ["statusFilter"] = "FAILED" }))["executions"]!
            .AsArray().First()!["executionArn"]!.GetValue<string>();

        var page = await fixture.NewPageAsync();
        await page.GotoAsync($"/console#/execution/{Uri.EscapeDataString(failed)}");

        await Expect(page.Locator("#execution-status")).ToHaveTextAsync("FAILED");
        await Expect(page.Locator("#execution-error")).ToContainTextAsync("UploadRejected");
        await Expect(StateNode(page, "Validate")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bcaught\b"));
        await Expect(StateNode(page, "DeleteStaging")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bsucceeded\b"));
        await Expect(StateNode(page, "FailUpload")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bsucceeded\b"));
        await Expect(StateNode(page, "UploadFailed")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bfailed\b"));
        await Expect(StateNode(page, "Store")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\b(succeeded|failed|caught)\b"));
        await BrowserFixture.ScreenshotAsync(page, "workflow-upload-rejected");
    }

    private static ILocator StateNode(IPage page, string name) => page.Locator($"button.state[data-state='{name}']");

    private async Task<string> RunAsync(string machineArn, string input)
    {
        var execution = await CallAsync("StartSyncExecution", new JsonObject { ["stateMachineArn"] = machineArn, ["input"] = input });
        return execution["executionArn"]!.GetValue<string>();
    }

    private async Task<JsonNode> CallAsync(string action, JsonObject body)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Server.BaseUrl)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
        request.Headers.Add("X-Amz-Target", $"AWSStepFunctions.{action}");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{action}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}
