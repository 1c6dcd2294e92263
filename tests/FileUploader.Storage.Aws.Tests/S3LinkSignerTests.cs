using System.Net;
using System.Text.Json;
using Amazon.S3;
using FileUploader.Core.Ports;
using FileUploader.Testing.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace FileUploader.Storage.Aws.Tests;

/// <summary>
/// Pre-signed GET and POST against a real S3-compatible server. Neither moto 5.2.1 nor s3rver 3.7.1 evaluates a
/// POST policy (both accept a body larger than content-length-range: moto never reads the policy, s3rver marks it
/// "unimplemented"), so the size bound is checked the way S3 checks it: the signed policy carries the range and
/// its signature verifies with the signing key. The upload itself is really POSTed to the server.
/// </summary>
public abstract class S3LinkSignerTests : IAsyncLifetime
{
    private readonly LoopbackServer _server;
    private AmazonS3Client? _s3;

    protected S3LinkSignerTests(LoopbackServer server)
    {
        _server = server;
        Options = AwsTestStorage.Options(server, null);
    }

    protected AwsStorageOptions Options { get; }

    protected AmazonS3Client S3 => _s3 ?? throw new InvalidOperationException("Not initialised.");

    protected S3ObjectStore Store => new(S3, Options);

    protected S3LinkSigner Signer => new(S3, Options, TimeProvider.System);

    protected static HttpClient Http { get; } = new(new HttpClientHandler { AllowAutoRedirect = false });

    public async Task InitializeAsync() => _s3 = await AwsTestStorage.CreateBucketAsync(Options);

    public Task DisposeAsync()
    {
        _s3?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task CreateDownloadUrl_StoredObject_DownloadsTheBytesWithASignedAttachmentDisposition()
    {
        var bytes = "quarterly numbers"u8.ToArray();
        await Store.PutAsync("files/report", new MemoryStream(bytes), 1000, "text/csv", CancellationToken.None);

        var url = Signer.CreateDownloadUrl("files/report", "résumé 2031.csv", DateTimeOffset.UtcNow.AddMinutes(10));
        using var response = await Http.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(ExpectedDisposition, PresignedUrls.QueryValue(url, "response-content-disposition"));
        Assert.Contains("response-content-disposition", url.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateUploadTarget_FormPostWithinDeclaredSize_StoresTheObjectUnderTheStagingKey()
    {
        var bytes = new byte[3000];
        new Random(7).NextBytes(bytes);

        var target = Signer.CreateUploadTarget("staging/form", maxBytes: 5000, "image/png", DateTimeOffset.UtcNow.AddMinutes(15));
        using var response = await PostFormAsync(target, bytes, "image/png");

        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var stored = await Store.HeadAsync("staging/form", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(bytes.Length, stored.Size);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), stored.Sha256);
        Assert.Equal("POST", target.Method);
    }

    [Fact]
    public void CreateUploadTarget_Policy_BoundsTheSizeAndPinsKeyTypeAndEncryption()
    {
        var expiresAt = DateTimeOffset.UtcNow.AddMinutes(15);

        var target = Signer.CreateUploadTarget("staging/abc", maxBytes: 1234, "application/pdf", expiresAt);

        using var policy = PresignedUrls.DecodePolicy(target.Fields);
        var conditions = policy.RootElement.GetProperty("conditions").EnumerateArray().ToList();
        var range = Assert.Single(conditions, c => c.ValueKind == JsonValueKind.Array && c[0].GetString() == "content-length-range");
        Assert.Equal(0, range[1].GetInt64());
        Assert.Equal(1234, range[2].GetInt64());
        Assert.Equal("staging/abc", ExactCondition(conditions, "key"));
        Assert.Equal(Options.BucketName, ExactCondition(conditions, "bucket"));
        Assert.Equal("application/pdf", ExactCondition(conditions, "Content-Type"));
        Assert.Equal("AES256", ExactCondition(conditions, "x-amz-server-side-encryption"));
        Assert.True(policy.RootElement.GetProperty("expiration").GetDateTimeOffset() <= expiresAt);

        // S3 refuses a form with a field that no condition covers; policy and signature are the exceptions.
        foreach (var field in target.Fields.Keys.Where(k => k is not ("policy" or "Policy" or "x-amz-signature" or "X-Amz-Signature")))
        {
            Assert.True(
                conditions.Any(c => c.ValueKind == JsonValueKind.Object && c.EnumerateObject().Any(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase))),
                $"form field {field} is not covered by the policy");
        }
    }

    [Fact]
    public void CreateUploadTarget_PolicySignature_VerifiesWithTheSigningKey()
    {
        var target = Signer.CreateUploadTarget("staging/signed", maxBytes: 10, "text/plain", DateTimeOffset.UtcNow.AddMinutes(5));

        var credential = PresignedUrls.Field(target.Fields, "x-amz-credential").Split('/');
        var expected = PresignedUrls.SignPolicy(_server.SecretAccessKey, PresignedUrls.Field(target.Fields, "policy"), credential[1], credential[2]);

        // A policy whose range was edited after signing would not verify, so S3 enforces the signed range.
        Assert.Equal(expected, PresignedUrls.Field(target.Fields, "x-amz-signature"));
        Assert.Equal(["s3", "aws4_request"], credential[3..]);
    }

    [Fact]
    public void CreateUploadTarget_WithKmsKey_AsksForSseKmsWithThatKey()
    {
        Options.KmsKeyId = "arn:aws:kms:us-east-1:111122223333:key/test";

        var target = Signer.CreateUploadTarget("staging/kms", maxBytes: 10, "text/plain", DateTimeOffset.UtcNow.AddMinutes(5));

        using var policy = PresignedUrls.DecodePolicy(target.Fields);
        var conditions = policy.RootElement.GetProperty("conditions").EnumerateArray().ToList();
        Assert.Equal("aws:kms", ExactCondition(conditions, "x-amz-server-side-encryption"));
        Assert.Equal(Options.KmsKeyId, ExactCondition(conditions, "x-amz-server-side-encryption-aws-kms-key-id"));
        Assert.Equal(Options.KmsKeyId, PresignedUrls.Field(target.Fields, "x-amz-server-side-encryption-aws-kms-key-id"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(59)]
    [InlineData(3600)]
    [InlineData(3601)]
    [InlineData(86_399)]
    [InlineData(604_799)]
    [InlineData(604_800)]
    public void CreateDownloadUrl_AnyExpiresAt_SignatureNeverOutlivesIt(int secondsAhead)
    {
        // Sub-second parts make the rounding matter: X-Amz-Date is whole seconds, X-Amz-Expires too.
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(secondsAhead).AddMilliseconds(123);

        var before = DateTimeOffset.UtcNow;
        var url = Signer.CreateDownloadUrl("files/x", "x.txt", expiresAt);
        var signing = DateTimeOffset.UtcNow - before;

        var validUntil = PresignedUrls.ValidUntil(url);
        Assert.True(validUntil <= expiresAt, $"valid until {validUntil:O}, file expires {expiresAt:O}");
        // Short by at most the second of margin, two roundings down to whole seconds, and however long signing took.
        Assert.True(validUntil >= expiresAt.AddSeconds(-3) - signing, $"valid until {validUntil:O} is needlessly short of {expiresAt:O}");
    }

    [Fact]
    public void CreateDownloadUrl_ExpiresAtBeyondSevenDays_IsCappedAtSevenDays()
    {
        var url = Signer.CreateDownloadUrl("files/x", "x.txt", DateTimeOffset.UtcNow.AddDays(30));

        var expires = long.Parse(PresignedUrls.QueryValue(url, "X-Amz-Expires")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(expires <= 604_800, $"X-Amz-Expires {expires} is past SigV4's 7 days");
        Assert.True(expires >= 604_800 - 60, $"X-Amz-Expires {expires} is needlessly short of 7 days");
    }

    [Fact]
    public void CreateDownloadUrl_ExpiresAtAlreadyPast_Throws()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var signer = new S3LinkSigner(S3, Options, clock);

        Assert.Throws<ArgumentOutOfRangeException>(() => signer.CreateDownloadUrl("files/x", "x.txt", clock.GetUtcNow()));
        Assert.Throws<ArgumentOutOfRangeException>(() => signer.CreateUploadTarget("staging/x", 1, "text/plain", clock.GetUtcNow().AddMinutes(-1)));
    }

    /// <summary>RFC 6266: an ASCII fallback name, then the real name as RFC 8187 UTF-8.</summary>
    protected const string ExpectedDisposition =
        "attachment; filename=\"r_sum_ 2031.csv\"; filename*=UTF-8''r%C3%A9sum%C3%A9%202031.csv";

    protected static async Task<HttpResponseMessage> PostFormAsync(UploadTarget target, byte[] bytes, string contentType)
    {
        // Fields first, the file last: S3 ignores fields after the file.
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in target.Fields)
        {
            form.Add(new StringContent(value), name);
        }

        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        form.Add(file, "file", "upload.bin");
        return await Http.PostAsync(target.Url, form);
    }

    private static string? ExactCondition(List<JsonElement> conditions, string name) =>
        conditions
            .Where(c => c.ValueKind == JsonValueKind.Object)
            .SelectMany(c => c.EnumerateObject())
            .SingleOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            .Value.GetString();
}

[Collection(MotoCollection.Name)]
public sealed class MotoS3LinkSignerTests(MotoServerFixture moto) : S3LinkSignerTests(moto);

[Collection(S3rverCollection.Name)]
public sealed class S3rverS3LinkSignerTests(S3rverFixture s3rver) : S3LinkSignerTests(s3rver)
{
    // s3rver applies response-* overrides (moto 5.2.1 ignores them), so here the header itself is checked.
    [Fact]
    public async Task CreateDownloadUrl_Download_AnswersWithTheAttachmentDispositionHeader()
    {
        await Store.PutAsync("files/named", new MemoryStream([1, 2, 3]), 10, "application/octet-stream", CancellationToken.None);
        var url = Signer.CreateDownloadUrl("files/named", "résumé 2031.csv", DateTimeOffset.UtcNow.AddMinutes(5));

        using var response = await Http.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ExpectedDisposition, string.Join(", ", response.Content.Headers.GetValues("Content-Disposition")));
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal("résumé 2031.csv", disposition.FileNameStar);
    }
}
