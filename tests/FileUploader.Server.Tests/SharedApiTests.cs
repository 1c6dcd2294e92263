using System.Net;
using FileUploader.Server.Tests.Infrastructure;
using FileUploader.Server.Uploads;
using FileUploader.Server.Workflow;
using FileUploader.StateMachine.Service;
using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Server.Tests;

/// <summary>
/// The routes the server now answers through the handling it shares with the API Lambda (FileUploader.Api), where
/// the server's side of a port matters: the engine behind revocation, and Kestrel behind the JSON body limit.
/// </summary>
public sealed class SharedApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task DeleteFile_WithToken_StopsTheWaitingExpiryExecution()
    {
        var json = await Server.UploadAsync("revoke me before I expire"u8.ToArray(), "revoke.txt");
        var fileId = json.Str("fileId");
        var engine = Server.Services.GetRequiredService<IStepFunctions>();
        var expiryArn = UploadReconciler.ExecutionArn(Server.Services.GetRequiredService<WorkflowArns>().Expiry, fileId);
        Assert.Equal("RUNNING", (await engine.DescribeExecutionAsync(expiryArn, CancellationToken.None)).Status);

        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/files/{fileId}");
        request.Headers.Add("X-Delete-Token", json.Str("deleteToken"));
        using var deleted = await Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var expiry = await engine.DescribeExecutionAsync(expiryArn, CancellationToken.None);
        Assert.Equal("ABORTED", expiry.Status);
    }

    [Fact]
    public async Task PostUploads_BodyPastTheJsonLimit_AnswersTooLarge()
    {
        var padding = new string(' ', 20 * 1024);
        using var content = new StringContent($"{{\"fileName\":\"a.txt\",\"size\":3{padding}}}", System.Text.Encoding.UTF8, "application/json");

        using var response = await Server.Client.PostAsync("/uploads", content);

        Assert.Equal("TooLarge", await response.AssertRefusalAsync(HttpStatusCode.RequestEntityTooLarge));
    }

    [Fact]
    public async Task FilesRoute_WrongMethod_AnswersMethodNotAllowedAsJson()
    {
        using var response = await Server.Client.PostAsync("/files/AAAAAAAAAAAAAAAAAAAAAA", new StringContent(string.Empty));

        Assert.Equal("MethodNotAllowed", await response.AssertRefusalAsync(HttpStatusCode.MethodNotAllowed));
    }
}
