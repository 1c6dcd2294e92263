using System.Text;

namespace FileUploader.Api.Tests;

/// <summary>The pure parts of the shared handling: the init body's validation and the attachment headers.</summary>
public sealed class SharedValuesTests
{
    private static readonly ApiSettings Settings = new(TimeSpan.FromHours(1), TimeSpan.FromDays(7), 1000, TimeSpan.FromMinutes(15));

    [Fact]
    public void Parse_SeveralProblems_NamesThemAllInOneRefusal()
    {
        var refusal = Assert.Throws<ApiException>(() => UploadInitRequest.Parse("application/json", Encoding.UTF8.GetBytes("""{"size":-1,"contentType":7}"""), Settings));

        Assert.Equal(400, refusal.StatusCode);
        Assert.Contains("fileName is required", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("size cannot be negative", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("contentType must be", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain", """{"fileName":"a.txt","size":1}""", 415)]
    [InlineData("application/json", """{"fileName":"a.txt","size":1001}""", 413)]
    [InlineData("application/json", """[1,2]""", 400)]
    [InlineData("application/json", """{"fileName":"a.txt","size":5,"expiresIn":0}""", 400)]
    [InlineData("application/json", """{"fileName":"a.txt","size":5,"maxDownloads":"x"}""", 400)]
    public void Parse_BadDescription_RefusesWithAClientStatus(string contentType, string body, int status)
    {
        var refusal = Assert.Throws<ApiException>(() => UploadInitRequest.Parse(contentType, Encoding.UTF8.GetBytes(body), Settings));

        Assert.Equal(status, refusal.StatusCode);
    }

    [Fact]
    public void Parse_BodyPastTheJsonLimit_IsTooLarge()
    {
        var body = Encoding.UTF8.GetBytes("{\"fileName\":\"a.txt\",\"size\":1" + new string(' ', ApiSettings.JsonBodyMaxBytes) + "}");

        Assert.Equal(413, Assert.Throws<ApiException>(() => UploadInitRequest.Parse("application/json", body, Settings)).StatusCode);
    }

    [Theory]
    [InlineData("TEXT/HTML; charset=utf-8", "application/octet-stream")]
    [InlineData("image/svg+xml", "application/octet-stream")]
    [InlineData("application/atom+xml", "application/octet-stream")]
    [InlineData("not a type", "application/octet-stream")]
    [InlineData("text/", "application/octet-stream")]
    [InlineData("", "application/octet-stream")]
    [InlineData("text/plain; charset=utf-8", "text/plain")]
    [InlineData("image/png", "image/png")]
    public void SafeContentType_ActiveOrBrokenTypes_BecomeOpaqueBytes(string stored, string served)
    {
        Assert.Equal(served, AttachmentHeaderValues.SafeContentType(stored));
    }

    [Fact]
    public void ErrorsMap_UnknownException_IsAServerErrorThatRevealsNothing()
    {
        var mapped = ApiErrors.Map(new InvalidOperationException("connection string with a password"));

        Assert.Equal(500, mapped.StatusCode);
        Assert.DoesNotContain("password", mapped.Message, StringComparison.Ordinal);
    }
}
