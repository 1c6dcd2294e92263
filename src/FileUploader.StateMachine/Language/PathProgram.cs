using FileUploader.StateMachine.Documents;
using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// The steps of a path after its root, plus an optional trailing function such as <c>length()</c>. Shared by
/// reference paths, JSONPath queries and the relative <c>@</c> paths inside filters.
/// </summary>
internal sealed class PathProgram
{
    private readonly PathSegment[] _segments;
    private readonly SingleNodeSegment[]? _singleSegments;

    public PathProgram(PathSegment[] segments, PathFunction? function)
    {
        _segments = segments;
        Function = function;
        var definite = true;
        foreach (var segment in segments)
        {
            definite &= segment.IsDefinite;
        }

        IsDefiniteSteps = definite;
        if (definite)
        {
            _singleSegments = new SingleNodeSegment[segments.Length];
            for (var i = 0; i < segments.Length; i++)
            {
                _singleSegments[i] = (SingleNodeSegment)segments[i];
            }
        }
    }

    public IReadOnlyList<PathSegment> Segments => _segments;

    public PathFunction? Function { get; }

    /// <summary>True when every step selects at most one node (before any function is applied).</summary>
    public bool IsDefiniteSteps { get; }

    /// <summary>True when the path answers one value rather than an array of matches.</summary>
    public bool IsDefinite => IsDefiniteSteps || Function is not null;

    /// <summary>
    /// Walks the path from <paramref name="start"/>. A definite path answers the selected node itself (not a
    /// copy, so callers must clone before attaching it elsewhere); an indefinite one answers a new array of
    /// cloned matches, which may be empty. False only when a definite path selects nothing.
    /// </summary>
    public bool TryEvaluate(DocNode? start, PathContext context, out DocNode? value)
    {
        if (_singleSegments is not null)
        {
            var current = start;
            foreach (var segment in _singleSegments)
            {
                if (!segment.TryStep(current, out current))
                {
                    value = null;
                    return false;
                }
            }

            if (Function is null)
            {
                value = current;
                return true;
            }

            return Function.TryApply(current, out value);
        }

        var matches = SelectAll(start, context);
        var array = new DocArray();
        foreach (var match in matches)
        {
            array.Add(match?.DeepClone());
        }

        if (Function is null)
        {
            value = array;
            return true;
        }

        return Function.TryApply(array, out value);
    }

    /// <summary>True when the path selects at least one node (filter existence tests).</summary>
    public bool Exists(DocNode? start, PathContext context)
    {
        if (Function is not null)
        {
            return TryEvaluate(start, context, out _);
        }

        if (_singleSegments is not null)
        {
            var current = start;
            foreach (var segment in _singleSegments)
            {
                if (!segment.TryStep(current, out current))
                {
                    return false;
                }
            }

            return true;
        }

        return SelectAll(start, context).Count > 0;
    }

    private List<DocNode?> SelectAll(DocNode? start, PathContext context)
    {
        var current = new List<DocNode?>(1) { start };
        foreach (var segment in _segments)
        {
            var next = new List<DocNode?>();
            foreach (var node in current)
            {
                segment.Select(node, next, context);
            }

            current = next;
            if (current.Count == 0)
            {
                break;
            }
        }

        return current;
    }
}

/// <summary>A Jayway path function at the end of a path: <c>length()</c>, <c>min()</c>, <c>max()</c>, <c>avg()</c>, <c>sum()</c>.</summary>
internal sealed class PathFunction
{
    private PathFunction(string name) => Name = name;

    public string Name { get; }

    public static bool TryCreate(string name, out PathFunction? function)
    {
        function = name switch
        {
            "length" or "size" or "min" or "max" or "avg" or "sum" => new PathFunction(name),
            _ => null,
        };
        return function is not null;
    }

    /// <summary>Applies the function; false when it does not apply to the value (e.g. length of a number).</summary>
    public bool TryApply(DocNode? value, out DocNode? result)
    {
        result = null;
        if (Name is "length" or "size")
        {
            switch (value)
            {
                case DocArray array:
                    result = DocValue.Create(array.Count);
                    return true;
                case DocObject obj:
                    result = DocValue.Create(obj.Count);
                    return true;
                default:
                    if (JsonValues.TryGetString(value, out var s))
                    {
                        result = DocValue.Create(s.Length);
                        return true;
                    }

                    return false;
            }
        }

        if (value is not DocArray items || items.Count == 0)
        {
            return false;
        }

        // Decimal arithmetic keeps 8.95 + 8.99 exact; doubles only for numbers beyond decimal's range.
        if (TryAggregateDecimal(items, out var exact))
        {
            result = DocValue.Create(exact);
            return true;
        }

        double sum = 0;
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        foreach (var item in items)
        {
            if (!JsonValues.TryGetDouble(item, out var d))
            {
                return false;
            }

            sum += d;
            min = Math.Min(min, d);
            max = Math.Max(max, d);
        }

        var number = Name switch
        {
            "min" => min,
            "max" => max,
            "sum" => sum,
            _ => sum / items.Count,
        };
        result = DocValue.Create(number);
        return true;
    }

    private bool TryAggregateDecimal(DocArray items, out decimal result)
    {
        result = 0;
        decimal sum = 0;
        var min = decimal.MaxValue;
        var max = decimal.MinValue;
        try
        {
            foreach (var item in items)
            {
                if (!JsonValues.TryGetDecimal(item, out var d))
                {
                    return false;
                }

                sum += d;
                min = Math.Min(min, d);
                max = Math.Max(max, d);
            }
        }
        catch (OverflowException)
        {
            return false;
        }

        result = Name switch
        {
            "min" => min,
            "max" => max,
            "sum" => sum,
            _ => sum / items.Count,
        };
        return true;
    }
}
