using FileUploader.Core.Validation;

namespace FileUploader.Core.Tests;

public sealed class ContentTypesTests
{
    public static TheoryData<byte[], string?> Heads => new()
    {
        { Samples.Png, "image/png" },
        { Samples.Jpeg, "image/jpeg" },
        { "GIF89a\x01\x00"u8.ToArray(), "image/gif" },
        { "RIFF\x10\x00\x00\x00WEBPVP8 "u8.ToArray(), "image/webp" },
        { Samples.Pdf, "application/pdf" },
        { Samples.Zip, "application/zip" },
        { new byte[] { 0x1F, 0x8B, 8, 0 }, "application/gzip" },
        { new byte[] { 0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4 }, "application/x-7z-compressed" },
        { Samples.WindowsExe, "application/x-msdownload" },
        { Samples.Elf, "application/x-executable" },
        { new byte[] { 0xCF, 0xFA, 0xED, 0xFE, 7, 0 }, "application/x-mach-binary" },
        { Samples.Html, "text/html" },
        { "<SCRIPT>alert(1)</SCRIPT>"u8.ToArray(), "text/html" },
        { Samples.Svg, "image/svg+xml" },
        { "<svg xmlns='http://www.w3.org/2000/svg'/>"u8.ToArray(), "image/svg+xml" },
        { "<?xml version='1.0'?><note/>"u8.ToArray(), null },
        { Samples.Text, null },
        { Array.Empty<byte>(), null },
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void Sniff_KnownHead_GivesItsType(byte[] head, string? expected)
    {
        Assert.Equal(expected, ContentTypes.Sniff(head));
    }

    [Fact]
    public void Sniff_HtmlAfterUtf8ByteOrderMark_IsHtml()
    {
        byte[] head = [0xEF, 0xBB, 0xBF, .. "<html lang=en>"u8];

        Assert.Equal("text/html", ContentTypes.Sniff(head));
    }

    [Theory]
    [InlineData(" \t\r\n<!DOCTYPE html><html>", "text/html")]
    [InlineData("\u00A0\u2003<html>", "text/html")]
    [InlineData("\u00A0plain words", null)]
    [InlineData("\t\n  plain <html> later", null)]
    [InlineData(" \t ", null)]
    public void Sniff_MarkupAfterLeadingWhiteSpace_IsFoundOnlyAtTheStart(string text, string? expected)
    {
        // ASCII and non-ASCII (no-break, em) spaces: the ASCII shortcut and the full decode must agree.
        Assert.Equal(expected, ContentTypes.Sniff(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    [Theory]
    [InlineData("image/png", "image/png")]
    [InlineData("image/jpg", "image/jpeg")]
    [InlineData("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip")]
    [InlineData("application/x-gzip", "application/gzip")]
    [InlineData("application/octet-stream", "image/png")]
    [InlineData("text/plain", null)]
    [InlineData("text/plain", "text/html")]
    [InlineData("text/html", "text/html")]
    [InlineData("image/svg+xml", "image/svg+xml")]
    [InlineData("application/json", null)]
    [InlineData("application/x-custom", "application/zip")]
    public void Contradiction_BelievableDeclaration_IsNull(string declared, string? sniffed)
    {
        Assert.Null(ContentTypes.Contradiction(declared, sniffed));
    }

    [Theory]
    [InlineData("image/png", "image/jpeg")]
    [InlineData("image/png", null)]
    [InlineData("image/png", "image/svg+xml")]
    [InlineData("image/jpeg", "text/html")]
    [InlineData("application/pdf", "application/x-msdownload")]
    [InlineData("text/plain", "application/x-executable")]
    [InlineData("video/mp4", "application/zip")]
    [InlineData("application/zip", null)]
    public void Contradiction_DisguisedContent_SaysWhy(string declared, string? sniffed)
    {
        var why = ContentTypes.Contradiction(declared, sniffed);

        Assert.NotNull(why);
        Assert.Contains(declared, why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("image/PNG", "image/png")]
    [InlineData(" text/plain; charset=utf-8", "text/plain")]
    [InlineData("application/vnd.api+json", "application/vnd.api+json")]
    [InlineData("", null)]
    [InlineData("png", null)]
    [InlineData("image/", null)]
    [InlineData("/png", null)]
    [InlineData("a/b/c", null)]
    [InlineData("text/html\r\nX-Injected: 1", null)]
    [InlineData("image/p ng", null)]
    public void Normalize_DeclaredType_GivesEssenceOrNull(string declared, string? expected)
    {
        Assert.Equal(expected, ContentTypes.Normalize(declared));
    }
}
