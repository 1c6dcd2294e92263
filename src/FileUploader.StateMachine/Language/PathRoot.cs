namespace FileUploader.StateMachine.Language;

/// <summary>Which document a path starts from: <c>$</c>, <c>$$</c> or <c>$name</c>.</summary>
internal enum PathRoot
{
    /// <summary><c>$</c>: the state's (effective) input.</summary>
    Input,

    /// <summary><c>$$</c>: the context object.</summary>
    Context,

    /// <summary><c>$name</c>: an ASL variable.</summary>
    Variable,
}
