using System.Runtime.CompilerServices;
using FileUploader.StateMachine.Documents;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// Payload templates (spec "Payload Template"): Parameters, ItemSelector, ResultSelector and Assign. A field
/// whose name ends in <c>.$</c> has a string value that is a path (<c>$…</c>, <c>$$…</c>, <c>$var…</c>) or an
/// intrinsic function; the output field drops the <c>.$</c> and holds the evaluated value. Everything else is
/// copied. Objects nested in objects and arrays are processed the same way, however deep.
/// </summary>
internal static class PayloadTemplate
{
    // Compiled forms keyed by the template node itself: definitions are parsed once and keep their nodes,
    // so a node is a stable key and the entry goes away with the definition.
    private static readonly ConditionalWeakTable<DocNode, CompiledTemplate> Cache = new();

    /// <summary>Compiles a template; throws <see cref="PathSyntaxException"/> for a bad <c>.$</c> value.</summary>
    public static CompiledTemplate Compile(DocNode? template) => new(Compiler.Compile(template, fieldName: null));

    /// <summary>
    /// Builds the payload. The result is a fresh document (the template and input are not changed).
    /// Throws States.Runtime naming the field when a definite path selects nothing (AWS's error; the spec names
    /// it States.ParameterPathFailure), and
    /// States.IntrinsicFailure when an intrinsic function fails.
    /// </summary>
    public static DocNode? Apply(DocNode? template, PathContext ctx)
    {
        if (template is null)
        {
            return null;
        }

        return Cache.GetValue(template, static t => Compile(t)).Apply(ctx);
    }

    /// <summary>
    /// Every problem in the template's <c>.$</c> fields, as "<c>location/field: reason</c>": a value that is
    /// not a string, a bad path, a bad intrinsic function, or two fields that end up with the same name.
    /// </summary>
    public static IEnumerable<string> Validate(DocNode? template, string location)
    {
        var problems = new List<string>();
        Collect(template, location, problems);
        return problems;
    }

    private static void Collect(DocNode? node, string location, List<string> problems)
    {
        switch (node)
        {
            case DocObject obj:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (key, value) in obj)
                {
                    var fieldLocation = $"{location}/{key}";
                    var isDynamic = key.EndsWith(".$", StringComparison.Ordinal);
                    var outputName = isDynamic ? key[..^2] : key;
                    if (!names.Add(outputName))
                    {
                        problems.Add($"{fieldLocation}: the field '{outputName}' is given twice (with and without '.$')");
                    }

                    if (!isDynamic)
                    {
                        Collect(value, fieldLocation, problems);
                        continue;
                    }

                    if (!JsonValues.TryGetString(value, out var expression))
                    {
                        problems.Add($"{fieldLocation}: the value of a field ending in '.$' must be a string holding a path or an intrinsic function, not a {JsonValues.TypeName(value)}");
                        continue;
                    }

                    if (!Compiler.TryCompileExpression(expression, key, out _, out var error))
                    {
                        problems.Add($"{fieldLocation}: {error}");
                    }
                }

                break;
            case DocArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Collect(array[i], $"{location}/{i}", problems);
                }

                break;
        }
    }

    private static class Compiler
    {
        public static TemplateNode Compile(DocNode? node, string? fieldName)
        {
            switch (node)
            {
                case DocObject obj:
                    var entries = new List<KeyValuePair<string, TemplateNode>>(obj.Count);
                    var dynamic = false;
                    foreach (var (key, value) in obj)
                    {
                        TemplateNode child;
                        string name;
                        if (key.EndsWith(".$", StringComparison.Ordinal))
                        {
                            name = key[..^2];
                            if (!JsonValues.TryGetString(value, out var expression))
                            {
                                throw new PathSyntaxException(
                                    $"The value of the field '{key}' must be a string holding a path or an intrinsic function, not a {JsonValues.TypeName(value)}.");
                            }

                            if (!TryCompileExpression(expression, key, out child, out var error))
                            {
                                throw new PathSyntaxException(error!);
                            }
                        }
                        else
                        {
                            name = key;
                            child = Compile(value, key);
                        }

                        dynamic |= child is not ConstantTemplateNode;
                        entries.Add(new(name, child));
                    }

                    return dynamic ? new ObjectTemplateNode([.. entries]) : new ConstantTemplateNode(node);
                case DocArray array:
                    var items = new TemplateNode[array.Count];
                    var anyDynamic = false;
                    for (var i = 0; i < items.Length; i++)
                    {
                        items[i] = Compile(array[i], fieldName);
                        anyDynamic |= items[i] is not ConstantTemplateNode;
                    }

                    return anyDynamic ? new ArrayTemplateNode(items) : new ConstantTemplateNode(node);
                default:
                    return new ConstantTemplateNode(node);
            }
        }

        public static bool TryCompileExpression(string expression, string fieldName, out TemplateNode node, out string? error)
        {
            node = null!;
            try
            {
                if (IntrinsicFunctions.IsIntrinsic(expression))
                {
                    node = new IntrinsicTemplateNode(IntrinsicFunctions.Compile(expression), fieldName);
                }
                else if (expression.StartsWith('$'))
                {
                    node = new PathTemplateNode(JsonPathQuery.Compile(expression), fieldName);
                }
                else
                {
                    error = $"the value of the field '{fieldName}' must be a path starting with '$' or an intrinsic function starting with 'States.', but was '{expression}'";
                    return false;
                }

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
}

/// <summary>A compiled payload template, reusable across executions and threads.</summary>
internal sealed class CompiledTemplate
{
    private readonly TemplateNode _root;

    internal CompiledTemplate(TemplateNode root) => _root = root;

    /// <summary>Builds a fresh payload for this input, context and variables.</summary>
    public DocNode? Apply(PathContext ctx)
    {
        return _root.Build(ctx);
    }
}

internal abstract class TemplateNode
{
    public abstract DocNode? Build(PathContext ctx);
}

/// <summary>A subtree with no <c>.$</c> fields: copied as a whole.</summary>
internal sealed class ConstantTemplateNode(DocNode? value) : TemplateNode
{
    // The template's own node is never handed out: each payload gets its own copy.
    private readonly DocNode? _value = value?.DeepClone();

    public override DocNode? Build(PathContext ctx) => _value?.DeepClone();
}

internal sealed class ObjectTemplateNode(KeyValuePair<string, TemplateNode>[] entries) : TemplateNode
{
    // "a" and "a.$" in one template name the same member (the later one wins); otherwise each member is simply appended.
    private readonly bool _namesDistinct = entries.Select(e => e.Key).Distinct(StringComparer.Ordinal).Count() == entries.Length;

    public override DocNode? Build(PathContext ctx)
    {
        var obj = new DocObject(entries.Length);
        foreach (var (name, node) in entries)
        {
            if (_namesDistinct)
            {
                obj.Append(name, node.Build(ctx));
            }
            else
            {
                obj[name] = node.Build(ctx);
            }
        }

        return obj;
    }
}

internal sealed class ArrayTemplateNode(TemplateNode[] items) : TemplateNode
{
    public override DocNode? Build(PathContext ctx)
    {
        var array = new DocArray();
        foreach (var item in items)
        {
            array.Add(item.Build(ctx));
        }

        return array;
    }
}

internal sealed class PathTemplateNode(CompiledJsonPath path, string fieldName) : TemplateNode
{
    public override DocNode? Build(PathContext ctx) => path.Evaluate(ctx, fieldName);
}

internal sealed class IntrinsicTemplateNode(CompiledIntrinsic call, string fieldName) : TemplateNode
{
    public override DocNode? Build(PathContext ctx) => call.Evaluate(ctx, fieldName);
}
