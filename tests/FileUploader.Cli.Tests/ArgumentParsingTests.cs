using FileUploader.Cli.Api;
using FileUploader.Cli.Commands;
using FileUploader.Cli.Terminal;

namespace FileUploader.Cli.Tests;

public sealed class ArgumentParsingTests
{
    [Theory]
    [InlineData("3600", 3600)]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 172800)]
    [InlineData(" 5M ", 300)]
    public void ParseDuration_KnownForms_Seconds(string text, long expected) =>
        Assert.Equal(expected, UploadCommand.ParseDuration(text));

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1.5h")]
    [InlineData("soon")]
    [InlineData("99999999999999999999d")]
    public void ParseDuration_Nonsense_UsageError(string text)
    {
        var error = Assert.Throws<CliException>(() => UploadCommand.ParseDuration(text));
        Assert.Equal(ExitCode.Usage, error.ExitCode);
    }

    [Theory]
    [InlineData("abc123", "abc123")]
    [InlineData("http://127.0.0.1:8080/files/abc123", "abc123")]
    [InlineData("https://example.test/prod/files/abc-_1?x=1", "abc-_1")]
    [InlineData("http://127.0.0.1:8080/download/files/abc123?expires=1&signature=x", "abc123")]
    public void FileIdFromArgument_IdsAndLinks_TheId(string argument, string expected) =>
        Assert.Equal(expected, FileIds.FromArgument(argument));

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("http://127.0.0.1:8080/other/abc")]
    public void FileIdFromArgument_PathLikeOrForeign_UsageError(string argument)
    {
        var error = Assert.Throws<CliException>(() => FileIds.FromArgument(argument));
        Assert.Equal(ExitCode.Usage, error.ExitCode);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(42, "42s")]
    [InlineData(125, "2m 5s")]
    [InlineData(3900, "1h 5m")]
    public void FormatDuration_TimeLeftOfATransfer_NeverSaysExpired(int seconds, string expected) =>
        Assert.Equal(expected, Sizes.FormatDuration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void FormatRemaining_PastExpiry_SaysExpired() =>
        Assert.Equal("expired", Sizes.FormatRemaining(TimeSpan.FromSeconds(-1)));
}
