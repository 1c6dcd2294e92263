using System.Text;
using FileUploader.Api;
using FileUploader.Lambda.HttpApi;

namespace FileUploader.Lambda.Tests.HttpApi;

/// <summary>The payload 2.0 edges of the handler: the raw query string in, the answer's body encoding out.</summary>
public sealed class HttpApiEventMappingTests
{
    [Fact]
    public void ParseQuery_RepeatedAndEncodedParameters_AreDecodedAndCommaJoined()
    {
        var query = HttpApiInvocationHandler.ParseQuery("token=a%2Bb&token=c&name=two+words&flag");

        Assert.Equal("a+b,c", query["token"]);
        Assert.Equal("two words", query["name"]);
        Assert.Equal(string.Empty, query["flag"]);
    }

    [Fact]
    public void ToEvent_JsonAnswer_IsPlainTextWithItsHeaders()
    {
        var answer = HttpApiInvocationHandler.ToEvent(ApiResponse.Error(404, "NotFound", "There is no such file."));

        Assert.Equal(404, answer.StatusCode);
        Assert.False(answer.IsBase64Encoded);
        Assert.Equal("""{"error":"NotFound","message":"There is no such file."}""", answer.Body);
        Assert.Equal("nosniff", answer.Headers["X-Content-Type-Options"]);
    }

    [Fact]
    public void ToEvent_NonTextBody_IsBase64Encoded()
    {
        var answer = HttpApiInvocationHandler.ToEvent(ApiResponse.Text(200, "application/octet-stream", "\u00e9t\u00e9"));

        Assert.True(answer.IsBase64Encoded);
        Assert.Equal("été", Encoding.UTF8.GetString(Convert.FromBase64String(answer.Body)));
    }

    [Fact]
    public void ToEvent_Redirect_HasNoBodyAndAFreshLocation()
    {
        var answer = HttpApiInvocationHandler.ToEvent(ApiResponse.Redirect(302, new Uri("https://bucket.example/files/x?X-Amz-Signature=abc")));

        Assert.Equal(302, answer.StatusCode);
        Assert.Equal(string.Empty, answer.Body);
        Assert.Equal("https://bucket.example/files/x?X-Amz-Signature=abc", answer.Headers["Location"]);
        Assert.Equal("private, no-store", answer.Headers["Cache-Control"]);
    }
}
