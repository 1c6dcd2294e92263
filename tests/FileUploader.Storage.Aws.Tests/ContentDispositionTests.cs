using System.Net.Http.Headers;

namespace FileUploader.Storage.Aws.Tests;

/// <summary>The attachment header a pre-signed GET asks S3 to send: the real name survives, nothing can be injected.</summary>
public sealed class ContentDispositionTests
{
    [Theory]
    [InlineData("report.pdf")]
    [InlineData("résumé 2031.csv")]
    [InlineData("a\"b\\c%d;e.txt")]
    [InlineData("日本語のファイル.txt")]
    [InlineData("emoji 🎉.png")]
    public void Attachment_AnyName_ParsesBackToTheSameNameInFilenameStar(string fileName)
    {
        var header = ContentDisposition.Attachment(fileName);

        var parsed = ContentDispositionHeaderValue.Parse(header);
        Assert.Equal("attachment", parsed.DispositionType);
        Assert.Equal(fileName, parsed.FileNameStar);
    }

    [Fact]
    public void Attachment_NameWithLineBreaksAndQuotes_CannotBreakOutOfTheHeader()
    {
        var header = ContentDisposition.Attachment("x\r\nSet-Cookie: a=b\"; filename=evil.exe");

        Assert.DoesNotContain('\r', header);
        Assert.DoesNotContain('\n', header);
        // Exactly the two parameters we wrote: the quote in the name did not open a third.
        var parsed = ContentDispositionHeaderValue.Parse(header);
        Assert.Equal(2, parsed.Parameters.Count);
        Assert.Equal("x__Set-Cookie: a=b_; filename=evil.exe", parsed.FileName?.Trim('"'));
    }

    [Fact]
    public void Attachment_AsciiFallback_ReplacesWhatOldClientsMisread()
    {
        Assert.Equal(
            "attachment; filename=\"na_ve _100_.txt\"; filename*=UTF-8''na%C3%AFve%20%25100%25.txt",
            ContentDisposition.Attachment("naïve %100%.txt"));
    }
}

/// <summary>The same promises for many generated names (seeded, so a failure reproduces).</summary>
public sealed class ContentDispositionPropertyTests
{
    // Quotes, backslashes, percent signs, separators, control characters, Latin-1, CJK, right-to-left marks.
    private const string Alphabet = "aZ09 ._-\"\\%;,=*'\t\r\n\u0000\u007féßñ日本語\u202e\u200f/?#&+~`|^!$";

    [Fact]
    public void Attachment_GeneratedNames_AreOneSafeHeaderLineThatRoundTripsTheName()
    {
        var random = new Random(6266);
        for (var i = 0; i < 500; i++)
        {
            var name = new string(Enumerable.Range(0, random.Next(1, 40)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());

            var header = ContentDisposition.Attachment(name);

            Assert.All(header, c => Assert.InRange(c, ' ', '~'));
            var parsed = ContentDispositionHeaderValue.Parse(header);
            Assert.Equal(2, parsed.Parameters.Count);
            Assert.Equal(name, parsed.FileNameStar);
        }
    }
}
