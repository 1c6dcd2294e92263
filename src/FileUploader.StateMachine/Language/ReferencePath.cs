using System.Collections.Concurrent;
using FileUploader.StateMachine.Documents;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// A Reference Path (spec "Reference Paths"): a JSONPath that can only identify a single node, made of
/// <c>.name</c>, <c>['name']</c> and <c>[n]</c> steps. Used by InputPath, OutputPath, ResultPath, ItemsPath,
/// the <c>…Path</c> fields of Wait and Task, and (with a <see cref="PathContext"/>) for <c>$$</c> and <c>$var</c>.
/// Instances are immutable and cached by text.
/// </summary>
internal sealed class ReferencePath
{
    private const int MaxCachedPaths = 10_000;
    private static readonly ConcurrentDictionary<string, ReferencePath> Cache = new(StringComparer.Ordinal);

    private readonly SingleNodeSegment[] _segments;

    private ReferencePath(string text, ParsedPath parsed)
    {
        Text = text;
        Root = parsed.Root;
        VariableName = parsed.VariableName;
        var segments = parsed.Program.Segments;
        _segments = new SingleNodeSegment[segments.Count];
        for (var i = 0; i < segments.Count; i++)
        {
            _segments[i] = (SingleNodeSegment)segments[i];
        }

        IsInputNamePath = Root == PathRoot.Input && _segments.Length > 0 && Array.TrueForAll(_segments, s => s is NameSegment);
    }

    public string Text { get; }

    public PathRoot Root { get; }

    /// <summary>The variable name of a <c>$name…</c> path, otherwise null.</summary>
    public string? VariableName { get; }

    /// <summary>True for <c>$</c> (or <c>$$</c>, <c>$name</c>) with no further steps.</summary>
    public bool IsRoot => _segments.Length == 0;

    /// <summary>
    /// True for a path on the input made of names only (<c>$.a.b</c>, <c>$['a']</c>): one whose target a JSONPath query of
    /// the same text selects, whatever the document, once the path has been set.
    /// </summary>
    public bool IsInputNamePath { get; }

    /// <summary>The name of a <c>$.name</c> path on the input (one name step, no more), otherwise null.</summary>
    public string? TopLevelName => Root == PathRoot.Input && _segments.Length == 1 && _segments[0] is NameSegment name ? name.Name : null;

    /// <summary>Parses <paramref name="path"/>; throws <see cref="PathSyntaxException"/> with the reason.</summary>
    public static ReferencePath Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Cache.TryGetValue(path, out var cached))
        {
            return cached;
        }

        var parsed = new ReferencePath(path, PathParser.Parse(path, referenceOnly: true));
        if (Cache.Count < MaxCachedPaths)
        {
            Cache.TryAdd(path, parsed);
        }

        return parsed;
    }

    public static bool TryParse(string path, out ReferencePath? result) => TryParse(path, out result, out _);

    public static bool TryParse(string path, out ReferencePath? result, out string? error)
    {
        try
        {
            result = Parse(path);
            error = null;
            return true;
        }
        catch (PathSyntaxException ex)
        {
            result = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>
    /// Selects the node this path names inside <paramref name="root"/>, whatever the path's own root
    /// (<c>$</c>, <c>$$</c> or <c>$name</c>) says. The node is not copied: clone it before attaching it to
    /// another tree. False when the path does not exist; true with a null value for a JSON null.
    /// </summary>
    public bool TryGet(DocNode? root, out DocNode? value)
    {
        var current = root;
        foreach (var segment in _segments)
        {
            if (!segment.TryStep(current, out current))
            {
                value = null;
                return false;
            }
        }

        value = current;
        return true;
    }

    /// <summary>
    /// Resolves the path against the right document: <c>$</c> the input, <c>$$</c> the context object,
    /// <c>$name</c> the variable. False when the variable is not defined or the path does not exist.
    /// </summary>
    public bool TryGet(PathContext ctx, out DocNode? value)
    {
        DocNode? root;
        switch (Root)
        {
            case PathRoot.Input:
                root = ctx.Input;
                break;
            case PathRoot.Context:
                root = ctx.Context;
                break;
            default:
                if (!ctx.Variables.TryGetValue(VariableName!, out root))
                {
                    value = null;
                    return false;
                }

                break;
        }

        return TryGet(root, out value);
    }

    /// <summary>
    /// ResultPath (spec "ResultPath"): answers a copy of <paramref name="root"/> with <paramref name="value"/>
    /// placed where the path points, creating missing intervening objects. The caller's documents are not
    /// changed. <c>$</c> answers the value itself. Throws States.ResultPathMatchFailure when the path runs
    /// through something that is not an object, or names an array index that does not exist.
    /// </summary>
    public DocNode? Set(DocNode? root, DocNode? value) =>
        IsRoot ? Own(value) : SetInPlace(root?.DeepClone(), value);

    /// <summary>
    /// Like <see cref="Set"/> but changes <paramref name="root"/> itself: for callers that own the document
    /// (it is already a private copy), to save a clone per state.
    /// </summary>
    public DocNode? SetInPlace(DocNode? root, DocNode? value)
    {
        if (Root != PathRoot.Input)
        {
            throw new StatesException(
                StatesErrors.ResultPathMatchFailure,
                $"The ResultPath '{Text}' must refer to the state input ('$'), not the context object or a variable.");
        }

        if (IsRoot)
        {
            return Own(value);
        }

        var current = root;
        for (var i = 0; i < _segments.Length - 1; i++)
        {
            var segment = _segments[i];
            switch (segment)
            {
                case NameSegment name when current is DocObject obj:
                    if (!obj.TryGetPropertyValue(name.Name, out var child))
                    {
                        child = new DocObject();
                        obj[name.Name] = child;
                    }

                    current = child;
                    break;
                case IndexSegment when current is DocArray:
                    if (!segment.TryStep(current, out current))
                    {
                        throw MatchFailure(root, $"the array index in '{Text}' does not exist");
                    }

                    break;
                default:
                    throw MatchFailure(root, $"'{Text}' runs through a {JsonValues.TypeName(current)}, not an object");
            }
        }

        var last = _segments[^1];
        var owned = Own(value);
        switch (last)
        {
            case NameSegment name when current is DocObject obj:
                obj[name.Name] = owned;
                break;
            case IndexSegment index when current is DocArray array:
                var i = index.Index < 0 ? array.Count + index.Index : index.Index;
                if (i < 0 || i >= array.Count)
                {
                    throw MatchFailure(root, $"the array index in '{Text}' does not exist");
                }

                array[i] = owned;
                break;
            default:
                throw MatchFailure(root, $"'{Text}' runs through a {JsonValues.TypeName(current)}, not an object");
        }

        return root;
    }

    /// <summary>
    /// True when <see cref="SetInPlace"/> would succeed on <paramref name="root"/> (it only reads the document), so a
    /// caller can change a document in place knowing it will not be left half-changed by a failure.
    /// </summary>
    public bool CanSetInPlace(DocNode? root)
    {
        if (Root != PathRoot.Input)
        {
            return false;
        }

        if (IsRoot)
        {
            return true;
        }

        var current = root;
        for (var i = 0; i < _segments.Length - 1; i++)
        {
            switch (_segments[i])
            {
                case NameSegment name when current is DocObject obj:
                    if (!obj.TryGetPropertyValue(name.Name, out var child))
                    {
                        // The rest is created as new objects, which only further names can step into.
                        for (var j = i + 1; j < _segments.Length; j++)
                        {
                            if (_segments[j] is not NameSegment)
                            {
                                return false;
                            }
                        }

                        return true;
                    }

                    current = child;
                    break;
                case IndexSegment index when current is DocArray:
                    if (!index.TryStep(current, out current))
                    {
                        return false;
                    }

                    break;
                default:
                    return false;
            }
        }

        return _segments[^1] switch
        {
            NameSegment => current is DocObject,
            IndexSegment index => current is DocArray && index.TryStep(current, out _),
            _ => false,
        };
    }

    public override string ToString() => Text;

    // An object or array belongs to one document: one that already sits in a document is copied before it is attached
    // (a leaf has no parent and is shared as it is).
    private static DocNode? Own(DocNode? value) => value?.Parent is null ? value : value.DeepClone();

    private StatesException MatchFailure(DocNode? root, string reason) => new(
        StatesErrors.ResultPathMatchFailure,
        $"Unable to apply ResultPath '{Text}' to input '{CompiledJsonPath.Truncate(JsonValues.ToJsonText(root))}': {reason}.");
}
