namespace FileUploader.Storage.Aws.Tests.Template;

/// <summary>The reader the template tests stand on: short-form tags must mean what CloudFormation reads.</summary>
public sealed class CloudFormationTemplateReaderTests
{
    [Fact]
    public void Parse_ShortFormTags_BecomeTheirLongForm()
    {
        var template = CloudFormationTemplate.Parse("""
            Resources:
              A:
                Type: X
                Properties:
                  Ref: !Ref Bucket
                  Att: !GetAtt Table.Arn
                  Sub: !Sub '${Bucket.Arn}/files/*'
                  Join: !Join ['', [a, b]]
                  Plain: text
            """);

        var properties = template.Properties("A");

        Assert.Equal("Bucket", CloudFormationTemplate.RefTarget(properties["Ref"]));
        Assert.Equal("Table.Arn", CloudFormationTemplate.GetAttTarget(properties["Att"]));
        Assert.Equal("${Bucket.Arn}/files/*", CloudFormationTemplate.SubText(properties["Sub"]));
        Assert.True(CloudFormationTemplate.Map(properties["Join"]).ContainsKey("Fn::Join"));
        Assert.Equal("text", properties["Plain"]);
        Assert.Null(CloudFormationTemplate.RefTarget(properties["Plain"]));
    }
}
