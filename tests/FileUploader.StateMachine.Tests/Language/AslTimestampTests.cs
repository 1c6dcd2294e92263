using FileUploader.StateMachine.Language;

namespace FileUploader.StateMachine.Tests.Language;

// Spec "Timestamps": RFC3339 with an uppercase "T" separator and an uppercase "Z" when there is no numeric offset.
public sealed class AslTimestampTests
{
    [Theory]
    [InlineData("2016-03-14T01:59:00Z", "2016-03-14T01:59:00.0000000+00:00")]
    [InlineData("2016-03-14T01:59:00.123Z", "2016-03-14T01:59:00.1230000+00:00")]
    [InlineData("2016-03-14T01:59:00.123456789Z", "2016-03-14T01:59:00.1234567+00:00")]
    [InlineData("2016-03-14T01:59:00+01:00", "2016-03-14T01:59:00.0000000+01:00")]
    [InlineData("2016-03-14T01:59:00-05:30", "2016-03-14T01:59:00.0000000-05:30")]
    [InlineData("2024-02-29T23:59:59Z", "2024-02-29T23:59:59.0000000+00:00")]
    public void TryParse_ValidTimestamp_ReturnsValue(string text, string expected)
    {
        Assert.True(AslTimestamp.TryParse(text, out var value));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
        Assert.Equal(expected, value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("2016-03-14t01:59:00Z")] // lowercase t
    [InlineData("2016-03-14T01:59:00z")] // lowercase z
    [InlineData("2016-03-14 01:59:00Z")] // space separator
    [InlineData("2016-03-14T01:59:00")] // no zone
    [InlineData("2016-03-14")]
    [InlineData("2016-02-30T00:00:00Z")]
    [InlineData("2023-02-29T00:00:00Z")]
    [InlineData("2016-13-01T00:00:00Z")]
    [InlineData("2016-03-14T24:00:00Z")]
    [InlineData("2016-03-14T01:60:00Z")]
    [InlineData("2016-03-14T01:59:60Z")]
    [InlineData("2016-03-14T01:59:00.Z")]
    [InlineData("2016-03-14T01:59:00+0100")]
    [InlineData("2016-03-14T01:59:00+15:00")]
    [InlineData("2016-03-14T01:59:00Z ")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_InvalidTimestamp_ReturnsFalse(string? text)
    {
        Assert.False(AslTimestamp.TryParse(text, out _));
    }

    [Fact]
    public void Format_Offset_PrintsUtcWithMilliseconds()
    {
        Assert.True(AslTimestamp.TryParse("2016-03-14T01:59:00.5+01:00", out var value));

        Assert.Equal("2016-03-14T00:59:00.500Z", AslTimestamp.Format(value));
    }
}
