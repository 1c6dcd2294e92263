using FileUploader.StateMachine.Documents;
using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// One step of a parsed path. Definite steps (a name or an index) select at most one node; the others
/// (wildcard, slice, union, filter, deep scan) may select many and make the whole path indefinite, which is
/// how Jayway (and so AWS) decides whether a path answers a value or an array of values.
/// </summary>
internal abstract class PathSegment
{
    public abstract bool IsDefinite { get; }

    /// <summary>Appends every node this step selects from <paramref name="node"/>, in document order.</summary>
    public abstract void Select(DocNode? node, List<DocNode?> output, PathContext context);
}

/// <summary>A step that selects at most one node, walked without allocating on the hot path.</summary>
internal abstract class SingleNodeSegment : PathSegment
{
    public override bool IsDefinite => true;

    public abstract bool TryStep(DocNode? node, out DocNode? child);

    public override void Select(DocNode? node, List<DocNode?> output, PathContext context)
    {
        if (TryStep(node, out var child))
        {
            output.Add(child);
        }
    }
}

/// <summary><c>.name</c> or <c>['name']</c>.</summary>
internal sealed class NameSegment(string name) : SingleNodeSegment
{
    public string Name { get; } = name;

    public override bool TryStep(DocNode? node, out DocNode? child)
    {
        if (node is DocObject obj)
        {
            return obj.TryGetPropertyValue(Name, out child);
        }

        child = null;
        return false;
    }
}

/// <summary><c>[n]</c>; a negative index counts from the end, as Jayway does.</summary>
internal sealed class IndexSegment(int index) : SingleNodeSegment
{
    public int Index { get; } = index;

    public override bool TryStep(DocNode? node, out DocNode? child)
    {
        if (node is DocArray array)
        {
            var i = Index < 0 ? array.Count + Index : Index;
            if (i >= 0 && i < array.Count)
            {
                child = array[i];
                return true;
            }
        }

        child = null;
        return false;
    }
}

/// <summary><c>.*</c> or <c>[*]</c>: every property value of an object or every element of an array.</summary>
internal sealed class WildcardSegment : PathSegment
{
    public static readonly WildcardSegment Instance = new();

    public override bool IsDefinite => false;

    public override void Select(DocNode? node, List<DocNode?> output, PathContext context)
    {
        switch (node)
        {
            case DocObject obj:
                foreach (var pair in obj)
                {
                    output.Add(pair.Value);
                }

                break;
            case DocArray array:
                foreach (var item in array)
                {
                    output.Add(item);
                }

                break;
        }
    }
}

/// <summary><c>['a','b']</c>: several names; missing ones are skipped.</summary>
internal sealed class NameUnionSegment(string[] names) : PathSegment
{
    public override bool IsDefinite => false;

    public override void Select(DocNode? node, List<DocNode?> output, PathContext context)
    {
        if (node is not DocObject obj)
        {
            return;
        }

        foreach (var name in names)
        {
            if (obj.TryGetPropertyValue(name, out var value))
            {
                output.Add(value);
            }
        }
    }
}

/// <summary><c>[0,2,-1]</c>: several indexes; out-of-range ones are skipped.</summary>
internal sealed class IndexUnionSegment(int[] indexes) : PathSegment
{
    public override bool IsDefinite => false;

    public override void Select(DocNode? node, List<DocNode?> output, PathContext context)
    {
        if (node is not DocArray array)
        {
            return;
        }

        foreach (var index in indexes)
        {
            var i = index < 0 ? array.Count + index : index;
            if (i >= 0 && i < array.Count)
            {
                output.Add(array[i]);
            }
        }
    }
}

/// <summary><c>[start:end:step]</c> with Python semantics (end exclusive, negatives from the end).</summary>
internal sealed class SliceSegment(int? start, int? end, int step) : PathSegment
{
    public override bool IsDefinite => false;

    public override void Select(DocNode? node, List<DocNode?> output, PathContext context)
    {
        if (node is not DocArray array)
        {
            return;
        }

        var count = array.Count;
        if (step > 0)
        {
            var from = Normalize(start ?? 0, count);
            var to = Normalize(end ?? count, count);
            for (var i = from; i < to; i += step)
            {
                output.Add(array[i]);
            }
        }
        else
        {
            var from = start is { } s ? Math.Min(Normalize(s, count), count - 1) : count - 1;
            var to = end is { } e ? Normalize(e, count) : -1;
            if (end is { } rawEnd && rawEnd < 0 && rawEnd + count < 0)
            {
                to = -1;
            }

            for (var i = from; i > to; i += step)
            {
                output.Add(array[i]);
            }
        }
    }

    private static int Normalize(int index, int count)
    {
        var i = index < 0 ? count + index : index;
        return Math.Clamp(i, 0, count);
    }
}

/// <summary>
/// <c>[?(expr)]</c>: on an array, the elements for which the expression holds; on an object, the object itself
/// when it holds (Jayway's predicate token behaves this way, so AWS does too).
/// </summary>
internal sealed class FilterSegment(FilterExpression expression) : PathSegment
{
    public override bool IsDefinite => false;

    public override void Select(DocNode? node, List<DocNode?> output, PathContext context)
    {
        switch (node)
        {
            case DocArray array:
                foreach (var item in array)
                {
                    if (expression.Test(item, context))
                    {
                        output.Add(item);
                    }
                }

                break;
            case DocObject obj:
                if (expression.Test(obj, context))
                {
                    output.Add(obj);
                }

                break;
        }
    }
}

/// <summary>
/// <c>..step</c>: applies the inner step to the node and to every descendant, pre-order (the node's own match
/// before its children's), which is Jayway's scan order.
/// </summary>
internal sealed class DeepScanSegment(PathSegment inner) : PathSegment
{
    public override bool IsDefinite => false;

    public override void Select(DocNode? node, List<DocNode?> output, PathContext context)
    {
        inner.Select(node, output, context);
        switch (node)
        {
            case DocObject obj:
                foreach (var pair in obj)
                {
                    if (pair.Value is DocObject or DocArray)
                    {
                        Select(pair.Value, output, context);
                    }
                }

                break;
            case DocArray array:
                foreach (var item in array)
                {
                    if (item is DocObject or DocArray)
                    {
                        Select(item, output, context);
                    }
                }

                break;
        }
    }
}
