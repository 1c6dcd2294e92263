using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Documents;

/// <summary>
/// A value of a document the interpreter works on (a state's input, a result, a variable): an object, an array or a
/// leaf (<see cref="DocValue"/>). JSON null is the C# null reference, as in System.Text.Json.Nodes, whose API this
/// mirrors for the parts the engine uses.
/// </summary>
/// <remarks>
/// Why not <see cref="JsonNode"/>: a node there knows its parent, so a value placed in a second document must be
/// copied first, and every object is an ordered dictionary (three allocations and a hash per name) whose members a
/// parsed document builds on first access, each a node wrapping the parsed element. A 5-state Pass chain spent about
/// a third of its time on those. Here a leaf (string, number, boolean) is immutable and has no parent, so it is shared,
/// never copied; objects and arrays keep a parent as there, so a document changed in place never changes another. An
/// object is two small arrays searched in order (a dictionary only beyond <see cref="DocObject.IndexThreshold"/>
/// members), and the usual text is read in one pass (<see cref="DocParser"/>). <see cref="WriteTo"/> goes through
/// <see cref="Utf8JsonWriter"/>, so text is byte for byte what System.Text.Json writes.
/// </remarks>
internal abstract class DocNode
{
    private static readonly JsonWriterOptions DefaultWriterOptions = new() { SkipValidation = true };

    private protected DocNode()
    {
    }

    /// <summary>
    /// The object or array this node is a member of. Only objects and arrays have one: a leaf is immutable and may sit
    /// in many documents. Like System.Text.Json's nodes, an object or array belongs to one document at a time (placing
    /// one that has a parent throws), so changing a document in place never changes another.
    /// </summary>
    public DocNode? Parent { get; private set; }

    /// <summary>The top of the document this node is in (itself when it has no parent).</summary>
    public DocNode Root
    {
        get
        {
            var node = this;
            while (node.Parent is { } parent)
            {
                node = parent;
            }

            return node;
        }
    }

    public abstract JsonValueKind GetValueKind();

    /// <summary>A copy that shares nothing mutable with this one (a leaf is its own copy).</summary>
    public abstract DocNode DeepClone();

    /// <summary>Writes the value with <paramref name="writer"/> (its encoder escapes strings).</summary>
    public abstract void WriteTo(Utf8JsonWriter writer);

    public DocNode? this[string name]
    {
        get => AsObject()[name];
        set => AsObject()[name] = value;
    }

    public DocNode? this[int index]
    {
        get => AsArray()[index];
        set => AsArray()[index] = value;
    }

    public DocObject AsObject() => this as DocObject ?? throw new InvalidOperationException($"The node must be of type 'DocObject', not '{GetType().Name}'.");

    public DocArray AsArray() => this as DocArray ?? throw new InvalidOperationException($"The node must be of type 'DocArray', not '{GetType().Name}'.");

    public DocValue AsValue() => this as DocValue ?? throw new InvalidOperationException($"The node must be of type 'DocValue', not '{GetType().Name}'.");

    public T GetValue<T>() => AsValue().GetValue<T>();

    /// <summary>
    /// Compact JSON text. Without options (or options without an encoder) strings are escaped with the default
    /// (HTML-safe) encoder, as <see cref="JsonNode.ToJsonString"/> does; the engine passes the relaxed one where AWS
    /// prints text as it is. Indented text (for people, not the engine) is System.Text.Json's own.
    /// </summary>
    public string ToJsonString(JsonSerializerOptions? options = null)
    {
        if (options?.WriteIndented == true)
        {
            // The writer does not indent raw values, and numbers are written raw to keep their text.
            return ToJsonNode(this)!.ToJsonString(options);
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = options?.Encoder, SkipValidation = true }))
        {
            WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A string's own text; any other value as indented JSON (what <see cref="JsonNode.ToString"/> gives).</summary>
    public override string ToString() =>
        this is DocValue { Kind: JsonValueKind.String } value ? value.GetValue<string>() : ToJsonNode(this)!.ToString();

    /// <summary>Makes this node the parent of <paramref name="child"/> (an object or array without one; leaves have none).</summary>
    private protected void Adopt(DocNode? child)
    {
        if (child is null or DocValue)
        {
            return;
        }

        if (child.Parent is not null)
        {
            throw new InvalidOperationException("The node already has a parent.");
        }

        child.Parent = this;
    }

    /// <summary>Undoes <see cref="Adopt"/> for a member removed or replaced.</summary>
    private protected static void Release(DocNode? child)
    {
        if (child is not null and not DocValue)
        {
            child.Parent = null;
        }
    }

    /// <summary>
    /// <c>slots[index] = node</c> without the runtime's check that the node's type fits the array (an array of a
    /// reference type may really be an array of a derived type): these arrays are always exactly <c>DocNode?[]</c>, and
    /// the check was a visible share of building documents. The caller has checked the index.
    /// </summary>
    private protected static void Store(DocNode?[] slots, int index, DocNode? node) =>
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(slots), index) = node;

    /// <summary>Parses one JSON value (see <see cref="DocParser"/>); throws <see cref="JsonException"/> for anything else.</summary>
    public static DocNode? Parse(string json) => DocParser.Parse(json);

    public static DocNode? Parse(ReadOnlySpan<byte> utf8Json) => DocParser.Parse(utf8Json);

    /// <summary>
    /// JSON equality: numbers by value (1 equals 1.0), strings ordinally, objects whatever their members' order, arrays
    /// item by item.
    /// </summary>
    public static bool DeepEquals(DocNode? left, DocNode? right)
    {
        switch (left)
        {
            case null:
                return right is null;
            case DocValue leftValue:
                return right is DocValue rightValue && leftValue.ValueEquals(rightValue);
            case DocArray leftArray:
                if (right is not DocArray rightArray || leftArray.Count != rightArray.Count)
                {
                    return false;
                }

                for (var i = 0; i < leftArray.Count; i++)
                {
                    if (!DeepEquals(leftArray[i], rightArray[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                var leftObject = (DocObject)left;
                if (right is not DocObject rightObject || leftObject.Count != rightObject.Count)
                {
                    return false;
                }

                // As lookups see them: a name a parsed object repeats counts with its last value (see DocParser).
                foreach (var (name, _) in leftObject)
                {
                    if (!rightObject.TryGetPropertyValue(name, out var other) || !DeepEquals(leftObject[name], other))
                    {
                        return false;
                    }
                }

                return true;
        }
    }

    /// <summary>The same value as a System.Text.Json node, for the task port (hosts hand handlers <see cref="JsonNode"/>).</summary>
    public static JsonNode? ToJsonNode(DocNode? node)
    {
        if (node is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, DefaultWriterOptions))
        {
            node.WriteTo(writer);
        }

        return JsonNode.Parse(buffer.WrittenSpan);
    }

    /// <summary>A System.Text.Json node (a task's result) as a document value.</summary>
    public static DocNode? FromJsonNode(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            node.WriteTo(writer);
        }

        return DocParser.Parse(buffer.WrittenSpan);
    }

    /// <summary>A string value's text (null for JSON null); throws for any other value, as the JsonNode conversion does.</summary>
    public static explicit operator string?(DocNode? node) => node?.GetValue<string>();

    public static explicit operator bool(DocNode node) => node.GetValue<bool>();

    public static explicit operator int(DocNode node) => node.GetValue<int>();

    public static explicit operator long(DocNode node) => node.GetValue<long>();

    public static explicit operator double(DocNode node) => node.GetValue<double>();

    public static implicit operator DocNode(bool value) => DocValue.Create(value);

    public static implicit operator DocNode(int value) => DocValue.Create(value);

    public static implicit operator DocNode(long value) => DocValue.Create(value);

    public static implicit operator DocNode(double value) => DocValue.Create(value);

    public static implicit operator DocNode(decimal value) => DocValue.Create(value);

    [return: NotNullIfNotNull(nameof(value))]
    public static implicit operator DocNode?(string? value) => DocValue.Create(value);
}
