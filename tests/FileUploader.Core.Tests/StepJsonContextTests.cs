using System.Text.Json;
using FileUploader.Core.Steps;

namespace FileUploader.Core.Tests;

public sealed class StepJsonContextTests
{
    [Fact]
    public void Serialize_RecordedFile_IsCamelCaseWithUtcZTimestamp()
    {
        var recorded = new RecordedFile("f1", "files/f1", new DateTimeOffset(2031, 1, 2, 5, 4, 5, TimeSpan.FromHours(2)));

        var json = JsonSerializer.Serialize(recorded, StepJsonContext.Default.RecordedFile);

        Assert.Equal("""{"fileId":"f1","objectKey":"files/f1","expiresAt":"2031-01-02T03:04:05Z"}""", json);
    }

    [Fact]
    public void Deserialize_ExpiryInputFromTheWorkflow_ReadsTheTimestamp()
    {
        var input = JsonSerializer.Deserialize("""{"fileId":"f1","expiresAt":"2031-01-02T03:04:05.5Z"}""", StepJsonContext.Default.ExpireInput);

        Assert.Equal(new ExpireInput("f1", new DateTimeOffset(2031, 1, 2, 3, 4, 5, 500, TimeSpan.Zero)), input);
    }

    [Fact]
    public void Deserialize_RecordInputShapedLikeTheAslParameters_RoundTrips()
    {
        var json = """
            {"executionId":"arn:aws:states:us-east-1:1:execution:upload:u1",
             "upload":{"uploadId":"u1","fileId":"f1","fileName":"a.png","size":3,"contentType":"image/png","sha256":"ab"}}
            """;

        var input = JsonSerializer.Deserialize(json, StepJsonContext.Default.RecordInput);

        Assert.Equal(
            new RecordInput("arn:aws:states:us-east-1:1:execution:upload:u1", new ValidatedUpload("u1", "f1", "a.png", 3, "image/png", "ab")),
            input);
    }
}
