using System.Diagnostics;

namespace FileUploader.Server.Diagnostics;

/// <summary>The server's spans. Tags are set only when someone listens, so an unobserved request pays nothing.</summary>
public static class ServerTelemetry
{
    public const string SourceName = "FileUploader.Server";

    public const string UploadIdTag = "fileuploader.upload.id";
    public const string FileIdTag = "fileuploader.file.id";
    public const string ExecutionArnTag = "fileuploader.execution.arn";
    public const string StepTag = "fileuploader.step";
    public const string AttemptTag = "fileuploader.step.attempt";
    public const string ErrorTag = "fileuploader.error";

    internal static readonly ActivitySource Source = new(SourceName);

    internal static Activity? StartStep(string step, string executionArn, int attempt)
    {
        var activity = Source.StartActivity($"step {step}", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(StepTag, step);
            activity.SetTag(ExecutionArnTag, executionArn);
            activity.SetTag(AttemptTag, attempt);
        }

        return activity;
    }

    internal static Activity? StartUpload(string name, string uploadId)
    {
        var activity = Source.StartActivity(name, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(UploadIdTag, uploadId);
        }

        return activity;
    }
}
