using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FileUploader.StateMachine.Documents;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// The 18 intrinsic functions of Step Functions (JSONPath states), with the limits AWS documents:
/// States.ArrayRange answers at most 1000 items, States.Hash / Base64Encode / Base64Decode take at most
/// 10,000 characters, States.MathAdd adds integers (rounding non-integers, as AWS does), States.MathRandom
/// draws from [start, end),
/// States.JsonMerge is shallow only. Invocations are parsed once and cached by their text.
/// Runtime failures raise States.IntrinsicFailure.
/// </summary>
internal static class IntrinsicFunctions
{
    public const int MaxArrayRangeItems = 1000;
    public const int MaxInputCharacters = 10_000;

    private const int MaxCached = 10_000;
    private static readonly ConcurrentDictionary<string, CompiledIntrinsic> Cache = new(StringComparer.Ordinal);

    private static readonly Dictionary<string, IntrinsicDefinition> Definitions = new IntrinsicDefinition[]
    {
        new("States.Format", 1, int.MaxValue, Format, CheckFormat),
        new("States.StringToJson", 1, 1, StringToJson),
        new("States.JsonToString", 1, 1, JsonToString),
        new("States.Array", 0, int.MaxValue, MakeArray),
        new("States.ArrayPartition", 2, 2, ArrayPartition),
        new("States.ArrayContains", 2, 2, ArrayContains),
        new("States.ArrayRange", 3, 3, ArrayRange),
        new("States.ArrayGetItem", 2, 2, ArrayGetItem),
        new("States.ArrayLength", 1, 1, ArrayLength),
        new("States.ArrayUnique", 1, 1, ArrayUnique),
        new("States.Base64Encode", 1, 1, Base64Encode),
        new("States.Base64Decode", 1, 1, Base64Decode),
        new("States.Hash", 2, 2, Hash, CheckHash),
        new("States.JsonMerge", 3, 3, JsonMerge, CheckJsonMerge),
        new("States.MathRandom", 2, 3, MathRandom),
        new("States.MathAdd", 2, 2, MathAdd),
        new("States.StringSplit", 2, 2, StringSplit),
        new("States.UUID", 0, 0, Uuid),
    }.ToDictionary(d => d.Name, StringComparer.Ordinal);

    private static readonly string[] HashAlgorithms = ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"];

    /// <summary>True when the text is an intrinsic invocation (starts with <c>States.</c>), valid or not.</summary>
    public static bool IsIntrinsic(string? expr) =>
        expr is not null && expr.AsSpan().TrimStart().StartsWith("States.", StringComparison.Ordinal);

    /// <summary>Parses (or fetches from the cache); throws <see cref="PathSyntaxException"/> with the reason.</summary>
    public static CompiledIntrinsic Compile(string expr)
    {
        ArgumentNullException.ThrowIfNull(expr);
        if (Cache.TryGetValue(expr, out var compiled))
        {
            return compiled;
        }

        compiled = IntrinsicParser.Parse(expr);
        if (Cache.Count < MaxCached)
        {
            Cache.TryAdd(expr, compiled);
        }

        return compiled;
    }

    /// <summary>Evaluates an invocation; the result is a fresh node.</summary>
    public static DocNode? Evaluate(string expr, PathContext ctx) => Compile(expr).Evaluate(ctx, fieldName: null);

    /// <inheritdoc cref="Evaluate(string, PathContext)"/>
    /// <param name="fieldName">The template field (e.g. <c>id.$</c>) named in path errors.</param>
    public static DocNode? Evaluate(string expr, PathContext ctx, string fieldName) => Compile(expr).Evaluate(ctx, fieldName);

    /// <summary>Checks syntax, function names, argument counts and literal arguments.</summary>
    public static bool IsValid(string expr, out string? error)
    {
        try
        {
            Compile(expr);
            error = null;
            return true;
        }
        catch (PathSyntaxException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    internal static bool TryGetDefinition(string name, out IntrinsicDefinition? definition) =>
        Definitions.TryGetValue(name, out definition);

    // ---- States.Format('template {}', args…): one argument per unescaped {} placeholder.

    private static void CheckFormat(IReadOnlyList<IntrinsicArgument> args, Func<string, Exception> error)
    {
        if (args[0] is StringArgument template && template.FormatPieces.Count - 1 != args.Count - 1)
        {
            throw error($"States.Format has {template.FormatPieces.Count - 1} placeholder(s) '{{}}' but {args.Count - 1} value argument(s)");
        }

        if (args[0] is LiteralArgument)
        {
            throw error("the first argument of States.Format must be a string");
        }
    }

    private static DocNode? Format(Invocation call)
    {
        IReadOnlyList<string> pieces;
        if (call.Arguments[0] is StringArgument literal)
        {
            pieces = literal.FormatPieces;
        }
        else
        {
            pieces = call.String(0).Split("{}");
        }

        if (pieces.Count - 1 != call.Count - 1)
        {
            throw call.Failure($"the template has {pieces.Count - 1} placeholder(s) '{{}}' but {call.Count - 1} value argument(s) were given");
        }

        var sb = new StringBuilder(pieces[0]);
        for (var i = 1; i < call.Count; i++)
        {
            AppendFormatted(sb, call[i]);
            sb.Append(pieces[i]);
        }

        return DocValue.Create(sb.ToString());
    }

    /// <summary>
    /// Renders a value the way the AWS (Java) runtime does in States.Format: strings as they are, other scalars as
    /// JSON, objects as <c>{a=1, b=[x, y]}</c> and arrays as <c>[x, y]</c> (Java's Map and List toString).
    /// </summary>
    private static void AppendFormatted(StringBuilder sb, DocNode? value)
    {
        switch (value)
        {
            case DocObject obj:
                sb.Append('{');
                var first = true;
                foreach (var (key, item) in obj)
                {
                    sb.Append(first ? string.Empty : ", ").Append(key).Append('=');
                    AppendFormatted(sb, item);
                    first = false;
                }

                sb.Append('}');
                break;
            case DocArray array:
                sb.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    sb.Append(i == 0 ? string.Empty : ", ");
                    AppendFormatted(sb, array[i]);
                }

                sb.Append(']');
                break;
            default:
                if (JsonValues.TryGetString(value, out var s))
                {
                    sb.Append(s);
                }
                else
                {
                    sb.Append(JsonValues.ToJsonText(value));
                }

                break;
        }
    }

    // ---- JSON text

    private static DocNode? StringToJson(Invocation call)
    {
        var text = call.String(0);
        try
        {
            return DocNode.Parse(text);
        }
        catch (JsonException ex)
        {
            throw call.Failure($"the argument is not valid JSON: {ex.Message}");
        }
    }

    private static DocNode? JsonToString(Invocation call) => DocValue.Create(JsonValues.ToJsonText(call[0]));

    // ---- arrays

    private static DocNode? MakeArray(Invocation call)
    {
        var array = new DocArray();
        for (var i = 0; i < call.Count; i++)
        {
            array.Add(call[i]?.DeepClone());
        }

        return array;
    }

    private static DocNode? ArrayPartition(Invocation call)
    {
        var source = call.Array(0);
        var size = call.RoundedInteger(1);
        if (size <= 0)
        {
            throw call.Failure("the chunk size (argument 2) must be a positive integer");
        }

        var result = new DocArray();
        DocArray? chunk = null;
        foreach (var item in source)
        {
            if (chunk is null || chunk.Count == size)
            {
                chunk = [];
                result.Add((DocNode)chunk);
            }

            chunk.Add(item?.DeepClone());
        }

        return result;
    }

    private static DocNode? ArrayContains(Invocation call)
    {
        var source = call.Array(0);
        var wanted = call[1];
        foreach (var item in source)
        {
            if (JsonValues.DeepEquals(item, wanted))
            {
                return DocValue.Create(true);
            }
        }

        return DocValue.Create(false);
    }

    private static DocNode? ArrayRange(Invocation call)
    {
        var start = call.RoundedInteger(0);
        var end = call.RoundedInteger(1);
        var step = call.RoundedInteger(2);
        if (step == 0)
        {
            throw call.Failure("the step (argument 3) must be a non-zero integer");
        }

        var result = new DocArray();
        var slots = (end - start) / step;
        if ((end - start) != 0 && Math.Sign(end - start) != Math.Sign(step))
        {
            return result;
        }

        if (slots + 1 > MaxArrayRangeItems)
        {
            throw call.Failure($"the result would have {slots + 1} items; at most {MaxArrayRangeItems} are allowed");
        }

        for (var value = start; step > 0 ? value <= end : value >= end; value += step)
        {
            result.Add((DocNode)DocValue.Create(value));
        }

        return result;
    }

    private static DocNode? ArrayGetItem(Invocation call)
    {
        var source = call.Array(0);
        var index = call.Integer(1);
        if (index < 0 || index >= source.Count)
        {
            throw call.Failure($"index {index} is out of bounds for an array of {source.Count} item(s)");
        }

        return source[(int)index]?.DeepClone();
    }

    private static DocNode? ArrayLength(Invocation call) => DocValue.Create(call.Array(0).Count);

    private static DocNode? ArrayUnique(Invocation call)
    {
        var source = call.Array(0);
        var result = new DocArray();
        var seen = new List<DocNode?>();
        foreach (var item in source)
        {
            var duplicate = false;
            foreach (var kept in seen)
            {
                if (JsonValues.DeepEquals(kept, item))
                {
                    duplicate = true;
                    break;
                }
            }

            if (!duplicate)
            {
                seen.Add(item);
                result.Add(item?.DeepClone());
            }
        }

        return result;
    }

    // ---- encoding and hashing

    private static DocNode? Base64Encode(Invocation call)
    {
        var text = call.String(0);
        if (text.Length > MaxInputCharacters)
        {
            throw call.Failure($"the input has {text.Length} characters; at most {MaxInputCharacters} are allowed");
        }

        return DocValue.Create(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));
    }

    private static DocNode? Base64Decode(Invocation call)
    {
        var text = call.String(0);
        if (text.Length > MaxInputCharacters)
        {
            throw call.Failure($"the input has {text.Length} characters; at most {MaxInputCharacters} are allowed");
        }

        try
        {
            return DocValue.Create(Encoding.UTF8.GetString(Convert.FromBase64String(text)));
        }
        catch (FormatException)
        {
            throw call.Failure("the input is not valid Base64");
        }
    }

    private static void CheckHash(IReadOnlyList<IntrinsicArgument> args, Func<string, Exception> error)
    {
        if (args[1] is StringArgument algorithm && Array.IndexOf(HashAlgorithms, algorithm.Value) < 0)
        {
            throw error($"unsupported hash algorithm '{algorithm.Value}'; use one of {string.Join(", ", HashAlgorithms)}");
        }
    }

    private static DocNode? Hash(Invocation call)
    {
        var data = call.String(0);
        var algorithm = call.String(1);
        if (data.Length > MaxInputCharacters)
        {
            throw call.Failure($"the input has {data.Length} characters; at most {MaxInputCharacters} are allowed");
        }

        var bytes = Encoding.UTF8.GetBytes(data);
#pragma warning disable CA5350, CA5351 // MD5 and SHA-1 are what the caller asked for; this is not a security decision.
        var digest = algorithm switch
        {
            "MD5" => MD5.HashData(bytes),
            "SHA-1" => SHA1.HashData(bytes),
            "SHA-256" => SHA256.HashData(bytes),
            "SHA-384" => SHA384.HashData(bytes),
            "SHA-512" => SHA512.HashData(bytes),
            _ => throw call.Failure($"unsupported hash algorithm '{algorithm}'; use one of {string.Join(", ", HashAlgorithms)}"),
        };
#pragma warning restore CA5350, CA5351
        return DocValue.Create(Convert.ToHexStringLower(digest));
    }

    // ---- objects

    private static void CheckJsonMerge(IReadOnlyList<IntrinsicArgument> args, Func<string, Exception> error)
    {
        if (args[2] is LiteralArgument { Value: DocValue v } && v.GetValueKind() == JsonValueKind.True)
        {
            throw error("States.JsonMerge supports only a shallow merge: the third argument must be false");
        }
    }

    private static DocNode? JsonMerge(Invocation call)
    {
        var left = call.Object(0);
        var right = call.Object(1);
        if (!JsonValues.TryGetBoolean(call[2], out var deep))
        {
            throw call.Failure($"argument 3 must be a boolean but was a {JsonValues.TypeName(call[2])}");
        }

        if (deep)
        {
            throw call.Failure("only a shallow merge is supported: the third argument must be false");
        }

        var result = (DocObject)left.DeepClone();
        foreach (var (key, value) in right)
        {
            result[key] = value?.DeepClone();
        }

        return result;
    }

    // ---- math

    private static DocNode? MathRandom(Invocation call)
    {
        var start = call.RoundedInteger(0);
        var end = call.RoundedInteger(1);
        if (end <= start)
        {
            throw call.Failure($"the end ({end}) must be greater than the start ({start})");
        }

        long value;
        if (call.Count == 3)
        {
            var seed = call.RoundedInteger(2);
            value = new Random(unchecked((int)(seed ^ (seed >> 32)))).NextInt64(start, end);
        }
        else
        {
            value = Random.Shared.NextInt64(start, end);
        }

        return DocValue.Create(value);
    }

    private static DocNode? MathAdd(Invocation call)
    {
        var left = call.RoundedInteger(0);
        var right = call.RoundedInteger(1);
        if (left is < int.MinValue or > int.MaxValue || right is < int.MinValue or > int.MaxValue)
        {
            throw call.Failure($"the arguments must be integers between {int.MinValue} and {int.MaxValue}");
        }

        return DocValue.Create(left + right);
    }

    // ---- strings

    private static DocNode? StringSplit(Invocation call)
    {
        var text = call.String(0);
        var delimiters = call.String(1);
        var result = new DocArray();

        // Each character of the second argument is a delimiter and empty pieces are dropped: AWS's own example
        // splits "This.is+a,test=string" on ".+,=" into five words.
        var parts = delimiters.Length == 0
            ? [text]
            : text.Split(delimiters.ToCharArray(), StringSplitOptions.RemoveEmptyEntries);
        foreach (var part in parts)
        {
            result.Add((DocNode)DocValue.Create(part));
        }

        return result;
    }

    private static DocNode? Uuid(Invocation call) => DocValue.Create(Guid.NewGuid().ToString("D", CultureInfo.InvariantCulture));
}

/// <summary>Name, arity and implementation of one intrinsic function.</summary>
internal sealed class IntrinsicDefinition(
    string name,
    int minArgs,
    int maxArgs,
    Func<Invocation, DocNode?> implementation,
    Action<IReadOnlyList<IntrinsicArgument>, Func<string, Exception>>? check = null)
{
    public string Name { get; } = name;

    public int MinArgs { get; } = minArgs;

    public int MaxArgs { get; } = maxArgs;

    public string ArityText => (MinArgs, MaxArgs) switch
    {
        (0, 0) => "takes no arguments",
        var (min, max) when min == max => $"takes exactly {min} argument(s)",
        (var min, int.MaxValue) => $"takes at least {min} argument(s)",
        var (min, max) => $"takes {min} to {max} arguments",
    };

    public DocNode? Invoke(Invocation call) => implementation(call);

    /// <summary>Definition-time checks on literal arguments (a literal hash algorithm, Format placeholders…).</summary>
    public void Check(IReadOnlyList<IntrinsicArgument> args, Func<string, Exception> error) => check?.Invoke(args, error);
}

/// <summary>A parsed invocation, reusable across executions and threads.</summary>
internal sealed class CompiledIntrinsic
{
    internal CompiledIntrinsic(string text, IntrinsicDefinition definition, IntrinsicArgument[] arguments)
    {
        Text = text;
        Definition = definition;
        Arguments = arguments;
    }

    public string Text { get; }

    public string Name => Definition.Name;

    internal IntrinsicDefinition Definition { get; }

    internal IReadOnlyList<IntrinsicArgument> Arguments { get; }

    /// <summary>Evaluates the invocation; the result is a fresh node. Failures raise States.IntrinsicFailure.</summary>
    public DocNode? Evaluate(PathContext ctx, string? fieldName)
    {
        var values = new DocNode?[Arguments.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Arguments[i].Evaluate(ctx, fieldName);
        }

        return Definition.Invoke(new Invocation(this, values));
    }

    public override string ToString() => Text;
}

/// <summary>The evaluated arguments of one call, with typed accessors that fail the AWS way.</summary>
internal readonly struct Invocation(CompiledIntrinsic call, DocNode?[] values)
{
    public int Count => values.Length;

    public IReadOnlyList<IntrinsicArgument> Arguments => call.Arguments;

    public DocNode? this[int index] => values[index];

    public string String(int index) => JsonValues.TryGetString(values[index], out var s)
        ? s
        : throw TypeFailure(index, "a string");

    public DocArray Array(int index) => values[index] as DocArray ?? throw TypeFailure(index, "an array");

    public DocObject Object(int index) => values[index] as DocObject ?? throw TypeFailure(index, "an object");

    public long Integer(int index) => JsonValues.TryGetInteger(values[index], out var n)
        ? n
        : throw TypeFailure(index, "an integer");

    /// <summary>
    /// A number rounded to the nearest integer, halves up as Java's Math.round does: AWS documents that
    /// States.MathAdd, States.MathRandom (and its runtime does so for ArrayRange / ArrayPartition) "round off"
    /// non-integer arguments instead of failing.
    /// </summary>
    public long RoundedInteger(int index)
    {
        if (JsonValues.TryGetInteger(values[index], out var n))
        {
            return n;
        }

        if (JsonValues.TryGetDouble(values[index], out var d) && d is > long.MinValue and < long.MaxValue)
        {
            return (long)Math.Floor(d + 0.5);
        }

        throw TypeFailure(index, "a number");
    }

    public StatesException Failure(string reason) =>
        new(StatesErrors.IntrinsicFailure, $"Invalid arguments in {call.Name}: {reason}.");

    private StatesException TypeFailure(int index, string expected) =>
        Failure($"argument {index + 1} must be {expected} but was {Describe(values[index])}");

    private static string Describe(DocNode? value)
    {
        var text = JsonValues.ToJsonText(value);
        return $"{JsonValues.TypeName(value)} {(text.Length > 100 ? string.Concat(text.AsSpan(0, 100), "...") : text)}";
    }
}
