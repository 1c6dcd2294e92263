using System.Diagnostics;

namespace FileUploader.Lambda.Diagnostics;

/// <summary>The host's one ActivitySource and its constant span and tag names.</summary>
internal static class LambdaDiagnostics
{
    public const string ActivitySourceName = "FileUploader.Lambda";
    public const string InvokeActivityName = "FileUploader.Lambda.Invoke";

    public const string RequestIdTag = "faas.invocation_id";
    public const string HandlerTag = "faas.name";
    public const string InvokedArnTag = "cloud.resource_id";
    public const string ErrorTypeTag = "error.type";

    internal static readonly ActivitySource Source = new(ActivitySourceName);
}
