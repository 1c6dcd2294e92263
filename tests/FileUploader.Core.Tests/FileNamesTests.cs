using System.Text;
using FileUploader.Core.Validation;

namespace FileUploader.Core.Tests;

public sealed class FileNamesTests
{
    [Theory]
    [InlineData("report.pdf", "report.pdf")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\me\\Desktop\\report.pdf", "report.pdf")]
    [InlineData("/var/tmp/a b.txt", "a b.txt")]
    [InlineData("evil\u202Etxt.exe", "eviltxt.exe")]
    [InlineData("in\u2066vis\u2069ible\u200B.doc", "invisible.doc")]
    [InlineData("line\r\nbreak\t.txt", "linebreak.txt")]
    [InlineData("nul\0byte.txt", "nulbyte.txt")]
    [InlineData("what?<is>this*.txt", "what__is_this_.txt")]
    [InlineData("trailing.exe. . ", "trailing.exe")]
    [InlineData("  spaced  ", "spaced")]
    [InlineData("CON", "_CON")]
    [InlineData("con.txt", "_con.txt")]
    [InlineData("lpt9.tar.gz", "_lpt9.tar.gz")]
    [InlineData("console.log", "console.log")]
    [InlineData("Ünïcödé 日本語 ☃.txt", "Ünïcödé 日本語 ☃.txt")]
    public void Sanitize_HostileOrOddName_GivesSafeName(string raw, string expected)
    {
        var name = FileNames.Sanitize(raw, out var problem);

        Assert.Null(problem);
        Assert.Equal(expected, name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("folder/")]
    [InlineData("\u202E\u200B")]
    [InlineData("\r\n\t")]
    public void Sanitize_NothingUsableLeft_IsRejectedWithAReason(string? raw)
    {
        var name = FileNames.Sanitize(raw, out var problem);

        Assert.Null(name);
        Assert.NotNull(problem);
        Assert.Contains("file name", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitize_LongName_IsCutTo255Utf8BytesKeepingTheExtension()
    {
        var raw = string.Concat(Enumerable.Repeat("日本", 200)) + ".jpeg";

        var name = FileNames.Sanitize(raw, out _)!;

        Assert.True(Encoding.UTF8.GetByteCount(name) <= 255, $"{Encoding.UTF8.GetByteCount(name)} bytes");
        Assert.True(Encoding.UTF8.GetByteCount(name) > 240);
        Assert.EndsWith(".jpeg", name, StringComparison.Ordinal);
        Assert.StartsWith("日本日本", name, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitize_LongNameOfEmoji_NeverSplitsASurrogatePair()
    {
        var raw = string.Concat(Enumerable.Repeat("😀", 100));

        var name = FileNames.Sanitize(raw, out _)!;

        Assert.Equal(63, name.EnumerateRunes().Count());
        Assert.All(name.EnumerateRunes(), r => Assert.Equal(0x1F600, r.Value));
    }
}
