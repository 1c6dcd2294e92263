namespace FileUploader.Core.Domain;

/// <summary>
/// A step's failure with a stable <see cref="ErrorName"/> (see <see cref="ErrorNames"/>) that Retry/Catch match,
/// and whether retrying can help. Hosts report <see cref="ErrorName"/> as the Lambda errorType or the engine's
/// task error; any other exception falls back to its short type name.
/// </summary>
public sealed class StepFailedException : Exception
{
    public StepFailedException(string errorName, string message, bool retryable = false, Exception? inner = null)
        : base(message, inner)
    {
        ErrorName = errorName;
        Retryable = retryable;
    }

    public string ErrorName { get; }

    public bool Retryable { get; }
}
