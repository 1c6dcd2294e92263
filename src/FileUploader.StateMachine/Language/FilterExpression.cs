using System.Text.Json;
using System.Text.RegularExpressions;
using FileUploader.StateMachine.Documents;

namespace FileUploader.StateMachine.Language;

/// <summary>The boolean expression inside <c>[?( … )]</c>.</summary>
internal abstract class FilterExpression
{
    public abstract bool Test(DocNode? current, PathContext context);
}

internal sealed class OrFilter(FilterExpression left, FilterExpression right) : FilterExpression
{
    public override bool Test(DocNode? current, PathContext context) =>
        left.Test(current, context) || right.Test(current, context);
}

internal sealed class AndFilter(FilterExpression left, FilterExpression right) : FilterExpression
{
    public override bool Test(DocNode? current, PathContext context) =>
        left.Test(current, context) && right.Test(current, context);
}

internal sealed class NotFilter(FilterExpression inner) : FilterExpression
{
    public override bool Test(DocNode? current, PathContext context) => !inner.Test(current, context);
}

/// <summary><c>[?(@.isbn)]</c>: the operand path selects something (a JSON null counts as present).</summary>
internal sealed class ExistsFilter(FilterOperand operand) : FilterExpression
{
    public override bool Test(DocNode? current, PathContext context) => operand.Exists(current, context);
}

internal enum FilterOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>
/// A comparison. Numbers compare by value and strings ordinally; any other mix of types is false, except that
/// <c>!=</c> is the negation of <c>==</c> (so a missing operand is "not equal").
/// </summary>
internal sealed class ComparisonFilter(FilterOperator op, FilterOperand left, FilterOperand right) : FilterExpression
{
    public override bool Test(DocNode? current, PathContext context)
    {
        var hasLeft = left.TryEvaluate(current, context, out var l);
        var hasRight = right.TryEvaluate(current, context, out var r);
        if (op == FilterOperator.NotEqual)
        {
            return !(hasLeft && hasRight && JsonValues.DeepEquals(l, r));
        }

        if (!hasLeft || !hasRight)
        {
            return false;
        }

        if (op == FilterOperator.Equal)
        {
            return JsonValues.DeepEquals(l, r);
        }

        int order;
        if (JsonValues.IsNumber(l) && JsonValues.IsNumber(r))
        {
            order = JsonValues.CompareNumbers(l, r);
        }
        else if (JsonValues.TryGetString(l, out var ls) && JsonValues.TryGetString(r, out var rs))
        {
            order = string.CompareOrdinal(ls, rs);
        }
        else
        {
            return false;
        }

        return op switch
        {
            FilterOperator.Less => order < 0,
            FilterOperator.LessOrEqual => order <= 0,
            FilterOperator.Greater => order > 0,
            _ => order >= 0,
        };
    }
}

/// <summary><c>@.a in ['x','y']</c> / <c>nin</c>: membership by JSON equality (Jayway's list operators).</summary>
internal sealed class InFilter(FilterOperand left, FilterOperand right, bool negate) : FilterExpression
{
    public override bool Test(DocNode? current, PathContext context)
    {
        if (!left.TryEvaluate(current, context, out var value) || !right.TryEvaluate(current, context, out var list)
            || list is not DocArray items)
        {
            return false;
        }

        foreach (var item in items)
        {
            if (JsonValues.DeepEquals(item, value))
            {
                return !negate;
            }
        }

        return negate;
    }
}

/// <summary><c>@.name =~ /pattern/i</c> (Jayway's regex match on strings).</summary>
internal sealed class RegexFilter(FilterOperand operand, Regex regex) : FilterExpression
{
    public override bool Test(DocNode? current, PathContext context) =>
        operand.TryEvaluate(current, context, out var value)
        && JsonValues.TryGetString(value, out var s)
        && regex.IsMatch(s);
}

/// <summary>A side of a filter comparison: a literal, <c>@…</c> or an absolute path.</summary>
internal abstract class FilterOperand
{
    public abstract bool TryEvaluate(DocNode? current, PathContext context, out DocNode? value);

    public virtual bool Exists(DocNode? current, PathContext context) => TryEvaluate(current, context, out _);
}

internal sealed class LiteralOperand(DocNode? value) : FilterOperand
{
    public DocNode? Value { get; } = value;

    public override bool TryEvaluate(DocNode? current, PathContext context, out DocNode? result)
    {
        result = Value;
        return true;
    }

    /// <summary>A bare literal as a whole filter (<c>[?(true)]</c>) holds when it is JSON true.</summary>
    public override bool Exists(DocNode? current, PathContext context) =>
        Value is DocValue v && v.GetValueKind() == JsonValueKind.True;
}

internal sealed class RelativePathOperand(PathProgram program) : FilterOperand
{
    public override bool TryEvaluate(DocNode? current, PathContext context, out DocNode? value) =>
        program.TryEvaluate(current, context, out value);

    public override bool Exists(DocNode? current, PathContext context) => program.Exists(current, context);
}

internal sealed class AbsolutePathOperand(CompiledJsonPath path) : FilterOperand
{
    public override bool TryEvaluate(DocNode? current, PathContext context, out DocNode? value) =>
        path.TrySelect(context, out value);
}
