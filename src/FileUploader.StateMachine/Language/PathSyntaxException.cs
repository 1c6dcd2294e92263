namespace FileUploader.StateMachine.Language;

/// <summary>
/// A reference path, JSONPath, intrinsic function or payload template that does not parse. Thrown while a
/// definition is compiled, never while an execution runs: the validator reports these as definition errors.
/// </summary>
internal sealed class PathSyntaxException : Exception
{
    public PathSyntaxException(string message)
        : base(message)
    {
    }

    public PathSyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PathSyntaxException()
    {
    }
}
