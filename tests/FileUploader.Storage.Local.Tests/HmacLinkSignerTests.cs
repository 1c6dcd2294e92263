using System.Text.RegularExpressions;
using FileUploader.Testing.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.Storage.Local.Tests;

public sealed class HmacLinkSignerTests : IDisposable
{
    private static readonly Uri BaseUrl = new("https://files.example.test/");

    private readonly TempDirectory folder = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero));

    public void Dispose() => folder.Dispose();

    private HmacLinkSigner NewSigner(string? dataDirectory = null) => new(dataDirectory ?? folder.Path, BaseUrl, time);

    private static Dictionary<string, string?> QueryOf(Uri url) =>
        url.Query.TrimStart('?').Split('&').Select(pair => pair.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => (string?)Uri.UnescapeDataString(p[1]));

    [Fact]
    public void CreateDownloadUrl_Always_HasTheAgreedFormat()
    {
        var signer = NewSigner();
        var expiresAt = time.GetUtcNow().AddHours(1).AddMilliseconds(999);

        var url = signer.CreateDownloadUrl("files/abc123", "my report (final).pdf", expiresAt);

        var expected = $"^https://files\\.example\\.test/download/files/abc123\\?expires={expiresAt.ToUnixTimeSeconds()}" +
            "&filename=my%20report%20%28final%29\\.pdf&signature=[A-Za-z0-9_-]{43}$";
        Assert.Matches(new Regex(expected), url.AbsoluteUri);
    }

    [Fact]
    public void VerifyDownload_UntouchedLink_IsValidWithItsValues()
    {
        var signer = NewSigner();
        var expiresAt = time.GetUtcNow().AddMinutes(30);

        var check = signer.VerifyDownload("files/abc", QueryOf(signer.CreateDownloadUrl("files/abc", "Ünïcode ☃.txt", expiresAt)));

        Assert.Equal(new LinkCheck(LinkStatus.Valid, expiresAt, FileName: "Ünïcode ☃.txt"), check);
    }

    [Fact]
    public void VerifyDownload_AtAndAfterExpiry_IsExpired()
    {
        var signer = NewSigner();
        var expiresAt = time.GetUtcNow().AddMinutes(30);
        var query = QueryOf(signer.CreateDownloadUrl("files/abc", "a.txt", expiresAt));

        time.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        Assert.Equal(LinkStatus.Valid, signer.VerifyDownload("files/abc", query).Status);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(LinkStatus.Expired, signer.VerifyDownload("files/abc", query).Status);
        time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(LinkStatus.Expired, signer.VerifyDownload("files/abc", query).Status);
    }

    [Theory]
    [InlineData("filename", "evil.html")]
    [InlineData("expires", "4102444800")]
    [InlineData("expires", "+1999999999")]
    [InlineData("signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("signature", "not base64!")]
    public void VerifyDownload_ChangedParameter_IsInvalid(string name, string value)
    {
        var signer = NewSigner();
        var query = QueryOf(signer.CreateDownloadUrl("files/abc", "a.txt", time.GetUtcNow().AddHours(1)));

        query[name] = value;

        Assert.Equal(LinkCheck.Invalid, signer.VerifyDownload("files/abc", query));
    }

    [Theory]
    [InlineData("response-content-disposition", "inline")]
    [InlineData("response-content-type", "text/html")]
    [InlineData("maxBytes", "1")]
    public void VerifyDownload_AddedParameter_IsInvalid(string name, string value)
    {
        var signer = NewSigner();
        var query = QueryOf(signer.CreateDownloadUrl("files/abc", "a.txt", time.GetUtcNow().AddHours(1)));

        query[name] = value;

        Assert.Equal(LinkCheck.Invalid, signer.VerifyDownload("files/abc", query));
    }

    [Theory]
    [InlineData("expires")]
    [InlineData("filename")]
    [InlineData("signature")]
    public void VerifyDownload_MissingParameter_IsInvalid(string name)
    {
        var signer = NewSigner();
        var query = QueryOf(signer.CreateDownloadUrl("files/abc", "a.txt", time.GetUtcNow().AddHours(1)));

        query.Remove(name);

        Assert.Equal(LinkCheck.Invalid, signer.VerifyDownload("files/abc", query));
    }

    [Fact]
    public void VerifyDownload_OtherObjectKey_IsInvalid()
    {
        var signer = NewSigner();
        var query = QueryOf(signer.CreateDownloadUrl("files/abc", "a.txt", time.GetUtcNow().AddHours(1)));

        Assert.Equal(LinkCheck.Invalid, signer.VerifyDownload("files/abd", query));
    }

    [Fact]
    public void VerifyDownload_ExpiredAndTampered_IsInvalidNotExpired()
    {
        var signer = NewSigner();
        var query = QueryOf(signer.CreateDownloadUrl("files/abc", "a.txt", time.GetUtcNow().AddHours(1)));
        time.Advance(TimeSpan.FromHours(2));

        query["filename"] = "b.txt";

        Assert.Equal(LinkStatus.Invalid, signer.VerifyDownload("files/abc", query).Status);
    }

    [Fact]
    public void VerifyUploadTarget_UntouchedTarget_IsValidWithItsValues()
    {
        var signer = NewSigner();
        var expiresAt = time.GetUtcNow().AddMinutes(15);

        var target = signer.CreateUploadTarget("staging/up1", 5_000_000, "image/png", expiresAt);

        Assert.Equal("PUT", target.Method);
        Assert.Empty(target.Fields);
        Assert.Matches(
            new Regex($"^https://files\\.example\\.test/upload-target/staging/up1\\?expires={expiresAt.ToUnixTimeSeconds()}" +
                "&maxBytes=5000000&contentType=image%2Fpng&signature=[A-Za-z0-9_-]{43}$"),
            target.Url.AbsoluteUri);
        Assert.Equal(
            new LinkCheck(LinkStatus.Valid, expiresAt, MaxBytes: 5_000_000, ContentType: "image/png"),
            signer.VerifyUploadTarget("staging/up1", QueryOf(target.Url)));
    }

    [Fact]
    public void VerifyUploadTarget_RaisedMaxBytes_IsInvalid()
    {
        var signer = NewSigner();
        var query = QueryOf(signer.CreateUploadTarget("staging/up1", 100, "", time.GetUtcNow().AddMinutes(15)).Url);

        query["maxBytes"] = "100000000";

        Assert.Equal(LinkCheck.Invalid, signer.VerifyUploadTarget("staging/up1", query));
    }

    [Fact]
    public void VerifyUploadTarget_AfterExpiry_IsExpired()
    {
        var signer = NewSigner();
        var query = QueryOf(signer.CreateUploadTarget("staging/up1", 100, "", time.GetUtcNow().AddMinutes(15)).Url);

        time.Advance(TimeSpan.FromMinutes(15));

        Assert.Equal(LinkStatus.Expired, signer.VerifyUploadTarget("staging/up1", query).Status);
    }

    [Fact]
    public void VerifyDownload_SignatureOfAnUploadTarget_IsInvalid()
    {
        // Same key, same expiry: the purpose in the signed string keeps one kind of link from passing as another.
        var signer = NewSigner();
        var upload = QueryOf(signer.CreateUploadTarget("files/abc", 100, "a.txt", time.GetUtcNow().AddHours(1)).Url);
        var forged = new Dictionary<string, string?>
        {
            ["expires"] = upload["expires"],
            ["filename"] = "a.txt",
            ["signature"] = upload["signature"],
        };

        Assert.Equal(LinkCheck.Invalid, signer.VerifyDownload("files/abc", forged));
    }

    [Fact]
    public void Constructor_FirstStart_CreatesAPrivate32ByteKeyThatLaterStartsReuse()
    {
        var first = NewSigner();
        var url = first.CreateDownloadUrl("files/abc", "a.txt", time.GetUtcNow().AddHours(1));
        var keyFile = Path.Combine(folder.Path, HmacLinkSigner.KeyFileName);

        var second = NewSigner();

        Assert.Equal(32, new FileInfo(keyFile).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        Assert.Equal(LinkStatus.Valid, second.VerifyDownload("files/abc", QueryOf(url)).Status);
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void VerifyDownload_LinkFromAnotherDataFolder_IsInvalid()
    {
        var other = NewSigner(Path.Combine(folder.Path, "other"));
        var url = other.CreateDownloadUrl("files/abc", "a.txt", time.GetUtcNow().AddHours(1));

        Assert.Equal(LinkCheck.Invalid, NewSigner().VerifyDownload("files/abc", QueryOf(url)));
    }
}
