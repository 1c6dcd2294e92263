namespace FileUploader.Server.Tests;

public sealed class ServerOptionsTests
{
    [Fact]
    public void Parse_OnlyRequiredOptions_UsesTheDocumentedDefaults()
    {
        var options = ServerOptions.Parse(["--urls", "http://0.0.0.0:9000", "--data", "/tmp/x"]);

        Assert.Equal(TimeSpan.FromHours(1), options.LinkTtl);
        Assert.Equal(TimeSpan.FromDays(7), options.MaxLinkTtl);
        Assert.Equal(10L * 1024 * 1024 * 1024, options.MaxUploadBytes);
        Assert.Equal("local", options.Storage);
        Assert.False(options.EventBridgeStartsUploads);
        // A wildcard bind is not an address a browser can use: links name localhost on the same port.
        Assert.Equal(new Uri("http://localhost:9000/"), options.PublicBaseUrl);
    }

    [Fact]
    public void Parse_EveryOption_IsTakenAsGiven()
    {
        var options = ServerOptions.Parse([
            "--urls", "http://127.0.0.1:1", "--data", "d", "--link-ttl", "60", "--max-link-ttl=120", "--max-upload-bytes", "1000",
            "--upload-url-ttl", "30", "--public-base-url", "https://files.example.com/",
        ]);

        Assert.Equal(TimeSpan.FromSeconds(60), options.LinkTtl);
        Assert.Equal(TimeSpan.FromSeconds(120), options.MaxLinkTtl);
        Assert.Equal(1000, options.MaxUploadBytes);
        Assert.Equal(TimeSpan.FromSeconds(30), options.UploadUrlTtl);
        Assert.Equal(new Uri("https://files.example.com/"), options.PublicBaseUrl);
        Assert.Equal(Path.GetFullPath("d"), options.DataDirectory);
    }

    [Theory]
    [InlineData("--urls", "http://127.0.0.1:1")]
    [InlineData("--data", "d", "--link-ttl", "-5")]
    [InlineData("--data", "d", "--link-ttl", "abc")]
    [InlineData("--data", "d", "--link-ttl", "7200", "--max-link-ttl", "3600")]
    [InlineData("--data", "d", "--storage", "ftp")]
    [InlineData("--data", "d", "--storage", "aws")]
    [InlineData("--data", "d", "--public-base-url", "not a url")]
    [InlineData("--data", "d", "--colour", "blue")]
    [InlineData("--data", "d", "--upload-starter", "lambda")]
    [InlineData("--data")]
    public void Parse_BadCommandLine_ThrowsFormatExceptionWithAReason(params string[] args)
    {
        var error = Assert.Throws<FormatException>(() => ServerOptions.Parse(args));

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Parse_UploadStarterEventBridge_LeavesStagedBytesToTheRule()
    {
        var options = ServerOptions.Parse(["--data", "d", "--storage", "aws", "--bucket", "b", "--table", "t", "--upload-starter", "eventbridge"]);

        Assert.Equal(ServerOptions.EventBridgeStarter, options.UploadStarter);
        Assert.True(options.EventBridgeStartsUploads);
    }
}
