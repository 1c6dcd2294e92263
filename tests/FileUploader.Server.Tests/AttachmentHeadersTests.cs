using FileUploader.Server.Api;

namespace FileUploader.Server.Tests;

public sealed class AttachmentHeadersTests
{
    [Theory]
    [InlineData("report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf")]
    [InlineData("naïve café.txt", "attachment; filename=\"na_ve caf_.txt\"; filename*=UTF-8''na%C3%AFve%20caf%C3%A9.txt")]
    [InlineData("a\"b\\c%d.txt", "attachment; filename=\"a_b_c_d.txt\"; filename*=UTF-8''a%22b%5Cc%25d.txt")]
    [InlineData("日本.txt", "attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt")]
    public void ContentDisposition_AnyName_IsAnAttachmentWithAsciiFallbackAndRfc5987Name(string name, string expected)
    {
        Assert.Equal(expected, AttachmentHeaders.ContentDisposition(name));
    }

    [Theory]
    [InlineData("text/html", "application/octet-stream")]
    [InlineData("TEXT/HTML; charset=utf-8", "application/octet-stream")]
    [InlineData("image/svg+xml", "application/octet-stream")]
    [InlineData("application/xhtml+xml", "application/octet-stream")]
    [InlineData("application/javascript", "application/octet-stream")]
    [InlineData("not a type", "application/octet-stream")]
    [InlineData("text/plain; charset=utf-8", "text/plain")]
    [InlineData("image/png", "image/png")]
    public void SafeContentType_ActiveOrBrokenTypes_BecomeOpaqueBytes(string stored, string served)
    {
        Assert.Equal(served, AttachmentHeaders.SafeContentType(stored));
    }
}
