using System.Diagnostics;
using System.Text.Json;
using FileUploader.Core.Domain;
using FileUploader.Lambda.Hosting;
using FileUploader.Lambda.Pipeline;
using FileUploader.Lambda.RuntimeApi;

namespace FileUploader.Lambda.Tests.InProcess;

public sealed class PipelineTests
{
    [Fact]
    public async Task Build_ThreeMiddleware_RunsInRegistrationOrderAroundTheTerminal()
    {
        var calls = new List<string>();
        var pipeline = new InvocationPipelineBuilder()
            .Use(next => async context => { calls.Add("a>"); await next(context); calls.Add("<a"); })
            .Use(next => async context => { calls.Add("b>"); await next(context); calls.Add("<b"); })
            .Use(next => async context => { calls.Add("c>"); await next(context); calls.Add("<c"); })
            .Build(_ => { calls.Add("terminal"); return Task.CompletedTask; });

        await pipeline(Context());

        Assert.Equal(["a>", "b>", "c>", "terminal", "<c", "<b", "<a"], calls);
    }

    [Fact]
    public async Task Build_MiddlewareThatShortCircuits_SkipsTheRest()
    {
        var terminalRan = false;
        var pipeline = new InvocationPipelineBuilder()
            .Use(_ => context => { context.Output = 42; return Task.CompletedTask; })
            .Build(_ => { terminalRan = true; return Task.CompletedTask; });

        var context = Context();
        await pipeline(context);

        Assert.False(terminalRan);
        Assert.Equal(42, context.Output!.GetValue<int>());
    }

    [Fact]
    public void From_StepFailedException_UsesItsErrorName()
    {
        var error = LambdaErrors.From(Thrown(new StepFailedException(ErrorNames.StorageUnavailable, "S3 timed out", retryable: true)));

        Assert.Equal("StorageUnavailable", error.ErrorType);
        Assert.Equal("S3 timed out", error.ErrorMessage);
        Assert.NotEmpty(error.StackTrace);
    }

    [Fact]
    public void From_JsonReaderFailure_UsesJsonExceptionWhateverTheSubtype()
    {
        var exception = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse("{nope"));

        Assert.Equal("JsonException", LambdaErrors.From(exception).ErrorType);
    }

    [Fact]
    public void From_OtherException_UsesShortTypeName()
    {
        Assert.Equal("ArgumentOutOfRangeException", LambdaErrors.From(new ArgumentOutOfRangeException("x")).ErrorType);
    }

    [Fact]
    public void TryParse_SampledXRayHeader_ReturnsRemoteRecordedParent()
    {
        Assert.True(XRayTraceHeader.TryParse("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", out var context));

        Assert.Equal("5759e988bd862e3fe1be46a994272793", context.TraceId.ToHexString());
        Assert.Equal("53995c3f42cd8ad8", context.SpanId.ToHexString());
        Assert.Equal(ActivityTraceFlags.Recorded, context.TraceFlags);
        Assert.True(context.IsRemote);
    }

    [Fact]
    public void TryParse_UnsampledHeaderInAnyOrder_ReturnsUnrecordedParent()
    {
        Assert.True(XRayTraceHeader.TryParse("Sampled=0;Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793;Lineage=a:1", out var context));

        Assert.Equal(ActivityTraceFlags.None, context.TraceFlags);
        Assert.Equal("53995c3f42cd8ad8", context.SpanId.ToHexString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a99427279;Parent=53995c3f42cd8ad8")]
    [InlineData("Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a99427279Z;Parent=53995c3f42cd8ad8")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000")]
    [InlineData("garbage")]
    public void TryParse_MalformedHeader_ReturnsFalse(string? header)
    {
        Assert.False(XRayTraceHeader.TryParse(header, out _));
    }

    [Fact]
    public void CreatePolicy_EnvironmentValues_OverrideTheDefaults()
    {
        var environment = LambdaEnvironment.From(name => name switch
        {
            "MAX_UPLOAD_BYTES" => "1048576",
            "LINK_TTL_SECONDS" => "600",
            "MAX_LINK_TTL_SECONDS" => "86400",
            _ => null,
        });

        var policy = StepComposition.CreatePolicy(environment);

        Assert.Equal(1_048_576, policy.MaxBytes);
        Assert.Equal(TimeSpan.FromMinutes(10), policy.DefaultLinkLifetime);
        Assert.Equal(TimeSpan.FromDays(1), policy.MaxLinkLifetime);
        Assert.Equal(UploadPolicy.Default.MinBytes, policy.MinBytes);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("ten")]
    public void CreatePolicy_MalformedNumber_ThrowsNamingTheVariable(string value)
    {
        var environment = LambdaEnvironment.From(name => name == "MAX_UPLOAD_BYTES" ? value : null);

        var error = Assert.Throws<FormatException>(() => StepComposition.CreatePolicy(environment));

        Assert.Contains("MAX_UPLOAD_BYTES", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_BlankValues_AreTreatedAsUnset()
    {
        var environment = LambdaEnvironment.From(name => name switch
        {
            "_HANDLER" => "  ",
            "AWS_DEFAULT_REGION" => "eu-west-1",
            "BUCKET_NAME" => "b",
            _ => string.Empty,
        });

        Assert.Null(environment.Handler);
        Assert.Equal("eu-west-1", environment.Region);
        Assert.Equal("b", environment.BucketName);
        Assert.Null(environment.RuntimeApi);
    }

    private static InvocationContext Context() =>
        new(new LambdaInvocation("r1", null, null, null, "{}"u8.ToArray()), new EmptyServices(), CancellationToken.None);

    private static Exception Thrown(Exception exception)
    {
        try
        {
            throw exception;
        }
        catch (Exception caught)
        {
            return caught;
        }
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
