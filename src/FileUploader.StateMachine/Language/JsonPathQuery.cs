using System.Collections.Concurrent;
using FileUploader.StateMachine.Documents;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// JSONPath as AWS accepts it in <c>.$</c> fields of payload templates, intrinsic arguments and Choice
/// <c>Variable</c>s (Jayway's dialect). Paths are compiled once and cached by their text.
/// </summary>
internal static class JsonPathQuery
{
    // Definitions hold a bounded number of distinct paths; the cap only guards against a caller feeding
    // arbitrary user text through here.
    private const int MaxCachedPaths = 10_000;
    private static readonly ConcurrentDictionary<string, CompiledJsonPath> Cache = new(StringComparer.Ordinal);

    /// <summary>Parses (or fetches from the cache) a compiled path. Throws <see cref="PathSyntaxException"/>.</summary>
    public static CompiledJsonPath Compile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Cache.TryGetValue(path, out var compiled))
        {
            return compiled;
        }

        compiled = new CompiledJsonPath(path, PathParser.Parse(path, referenceOnly: false));
        if (Cache.Count < MaxCachedPaths)
        {
            Cache.TryAdd(path, compiled);
        }

        return compiled;
    }

    /// <summary>
    /// Evaluates <paramref name="path"/>: one value for a definite path, an array of matches for an indefinite
    /// one. The result is always a fresh node the caller may attach anywhere.
    /// Throws States.Runtime (AWS's error; the spec says States.ParameterPathFailure) when a definite path selects nothing.
    /// </summary>
    public static DocNode? Evaluate(string path, PathContext ctx) => Compile(path).Evaluate(ctx, fieldName: null);

    /// <inheritdoc cref="Evaluate(string, PathContext)"/>
    /// <param name="fieldName">The template field (e.g. <c>bucket.$</c>) named in the error message.</param>
    public static DocNode? Evaluate(string path, PathContext ctx, string fieldName) => Compile(path).Evaluate(ctx, fieldName);

    public static bool IsValid(string path) => IsValid(path, out _);

    public static bool IsValid(string path, out string? error)
    {
        try
        {
            Compile(path);
            error = null;
            return true;
        }
        catch (PathSyntaxException ex)
        {
            error = ex.Message;
            return false;
        }
    }
}

/// <summary>A parsed JSONPath, reusable across executions and threads (it holds no per-run state).</summary>
internal sealed class CompiledJsonPath
{
    private readonly PathProgram _program;

    internal CompiledJsonPath(string text, ParsedPath parsed)
    {
        Text = text;
        Root = parsed.Root;
        VariableName = parsed.VariableName;
        _program = parsed.Program;
    }

    public string Text { get; }

    public PathRoot Root { get; }

    /// <summary>The variable name for a <c>$name…</c> path, otherwise null.</summary>
    public string? VariableName { get; }

    /// <summary>True when the path answers a single value; false when it answers an array of matches.</summary>
    public bool IsDefinite => _program.IsDefinite;

    /// <summary>
    /// True when <see cref="TrySelect"/> answers a node that lives inside the input document (it must be
    /// cloned before it is attached elsewhere); false when it builds a fresh node.
    /// </summary>
    private bool SelectsInPlace => _program.IsDefiniteSteps && _program.Function is null;

    /// <summary>
    /// Selects without copying: a definite path answers the node inside the document. False when the root
    /// (e.g. an unknown variable) or a definite path's target is missing.
    /// </summary>
    public bool TrySelect(PathContext ctx, out DocNode? value)
    {
        if (!TryResolveRoot(ctx, out var root))
        {
            value = null;
            return false;
        }

        return _program.TryEvaluate(root, ctx, out value);
    }

    /// <summary>
    /// Selects and detaches the result. Throws States.Runtime naming <paramref name="fieldName"/>
    /// when a definite path selects nothing.
    /// </summary>
    public DocNode? Evaluate(PathContext ctx, string? fieldName)
    {
        if (TrySelect(ctx, out var value))
        {
            return SelectsInPlace ? value?.DeepClone() : value;
        }

        throw NotFound(ctx, fieldName);
    }

    public bool TryResolveRoot(PathContext ctx, out DocNode? root)
    {
        switch (Root)
        {
            case PathRoot.Input:
                root = ctx.Input;
                return true;
            case PathRoot.Context:
                root = ctx.Context;
                return true;
            default:
                return ctx.Variables.TryGetValue(VariableName!, out root);
        }
    }

    /// <summary>The AWS-style error for a definite path that selects nothing.</summary>
    public StatesException NotFound(PathContext ctx, string? fieldName)
    {
        TryResolveRoot(ctx, out var root);
        var document = Root == PathRoot.Variable && !ctx.Variables.ContainsKey(VariableName!)
            ? $"the variables (no variable named '{VariableName}')"
            : $"the input '{Truncate(JsonValues.ToJsonText(root))}'";
        var message = fieldName is null
            ? $"The JSONPath '{Text}' could not be found in {document}"
            : $"The JSONPath '{Text}' specified for the field '{fieldName}' could not be found in {document}";
        // The spec names this States.ParameterPathFailure, but AWS fails the execution with States.Runtime and this
        // cause ("The JSONPath '$.x' specified for the field 'y.$' could not be found in the input '{...}'").
        return new StatesException(StatesErrors.Runtime, message);
    }

    public override string ToString() => Text;

    // A cause is at most 32 KB in AWS; keep messages well inside that.
    internal static string Truncate(string text) => text.Length <= 4096 ? text : string.Concat(text.AsSpan(0, 4096), "...");
}
