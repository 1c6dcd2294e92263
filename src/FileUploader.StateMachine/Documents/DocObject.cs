using System.Collections;
using System.Text.Json;

namespace FileUploader.StateMachine.Documents;

/// <summary>
/// A JSON object: members in the order they were added, names compared ordinally. Held as two arrays and searched in
/// order, which for the few members of a state's documents is faster than hashing the name; an index of names is
/// built only for an object with more than <see cref="IndexThreshold"/> members. A parsed object may repeat a name
/// (see <see cref="DocParser"/>): lookups and changes then apply to the last member of that name.
/// </summary>
internal sealed class DocObject : DocNode, IEnumerable<KeyValuePair<string, DocNode?>>
{
    public const int IndexThreshold = 8;

    private string[] _names;
    private DocNode?[] _values;
    private int _count;
    private Dictionary<string, int>? _index;

    public DocObject()
        : this(capacity: 4)
    {
    }

    public DocObject(int capacity)
    {
        _names = capacity == 0 ? [] : new string[capacity];
        _values = capacity == 0 ? [] : new DocNode?[capacity];
    }

    public DocObject(IEnumerable<KeyValuePair<string, DocNode?>> members)
        : this()
    {
        foreach (var (name, value) in members)
        {
            Add(name, value);
        }
    }

    public int Count => _count;

    public override JsonValueKind GetValueKind() => JsonValueKind.Object;

    /// <summary>The member's value (null when it is JSON null or missing); setting replaces it in place or appends it.</summary>
    public new DocNode? this[string name]
    {
        get => TryGetPropertyValue(name, out var value) ? value : null;
        set
        {
            var at = IndexOf(name);
            if (at >= 0)
            {
                if (!ReferenceEquals(_values[at], value))
                {
                    Adopt(value);
                    Release(_values[at]);
                    Store(_values, at, value);
                }
            }
            else
            {
                Append(name, value);
            }
        }
    }

    /// <summary>Appends a member; throws <see cref="ArgumentException"/> when the name is taken, as a dictionary does.</summary>
    public void Add(string name, DocNode? value)
    {
        if (IndexOf(name) >= 0)
        {
            throw new ArgumentException($"An item with the same key has already been added. Key: {name}", nameof(name));
        }

        Append(name, value);
    }

    public void Add(KeyValuePair<string, DocNode?> member) => Add(member.Key, member.Value);

    public bool TryGetPropertyValue(string name, out DocNode? value)
    {
        var at = IndexOf(name);
        value = at >= 0 ? _values[at] : null;
        return at >= 0;
    }

    public bool ContainsKey(string name) => IndexOf(name) >= 0;

    /// <summary>Removes the member, keeping the others' order.</summary>
    public bool Remove(string name)
    {
        var at = IndexOf(name);
        if (at < 0)
        {
            return false;
        }

        Release(_values[at]);
        _count--;
        Array.Copy(_names, at + 1, _names, at, _count - at);
        Array.Copy(_values, at + 1, _values, at, _count - at);
        _names[_count] = null!;
        _values[_count] = null;
        _index = null;
        return true;
    }

    public void Clear()
    {
        for (var i = 0; i < _count; i++)
        {
            Release(_values[i]);
        }

        Array.Clear(_names, 0, _count);
        Array.Clear(_values, 0, _count);
        _count = 0;
        _index = null;
    }

    /// <summary>The member at <paramref name="index"/> in order.</summary>
    public KeyValuePair<string, DocNode?> GetAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
        return new(_names[index], _values[index]);
    }

    /// <summary>Where the member named <paramref name="name"/> is in order, or -1.</summary>
    public int IndexOf(string name)
    {
        if (_count > IndexThreshold)
        {
            return (_index ??= BuildIndex()).TryGetValue(name, out var found) ? found : -1;
        }

        // From the end: when a parsed object repeats a name, the last member is the one that counts.
        var names = _names;
        for (var i = _count - 1; i >= 0; i--)
        {
            // Same instance first: names parsed from a definition and from inputs are often the same strings.
            if (ReferenceEquals(names[i], name) || string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    public override DocNode DeepClone()
    {
        var copy = new DocObject(_count);
        for (var i = 0; i < _count; i++)
        {
            copy.Append(_names[i], _values[i]?.DeepClone());
        }

        return copy;
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        for (var i = 0; i < _count; i++)
        {
            writer.WritePropertyName(_names[i]);
            if (_values[i] is { } value)
            {
                value.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }
        }

        writer.WriteEndObject();
    }

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<KeyValuePair<string, DocNode?>> IEnumerable<KeyValuePair<string, DocNode?>>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Appends a member without looking for its name: the caller knows it is new, or is the parser keeping a repeat.</summary>
    internal void Append(string name, DocNode? value)
    {
        Adopt(value);
        if (_count == _names.Length)
        {
            var size = Math.Max(4, _count * 2);
            Array.Resize(ref _names, size);
            Array.Resize(ref _values, size);
        }

        _names[_count] = name;
        Store(_values, _count, value);
        _count++;
        if (_index is not null)
        {
            _index[name] = _count - 1;
        }
    }

    private Dictionary<string, int> BuildIndex()
    {
        var index = new Dictionary<string, int>(_count, StringComparer.Ordinal);
        for (var i = 0; i < _count; i++)
        {
            index[_names[i]] = i;
        }

        return index;
    }

    /// <summary>Members in order; the object must not change while it runs.</summary>
    public struct Enumerator(DocObject owner) : IEnumerator<KeyValuePair<string, DocNode?>>
    {
        private int _at = -1;

        public readonly KeyValuePair<string, DocNode?> Current => new(owner._names[_at], owner._values[_at]);

        readonly object IEnumerator.Current => Current;

        public bool MoveNext() => ++_at < owner._count;

        public void Reset() => _at = -1;

        public readonly void Dispose()
        {
        }
    }
}
