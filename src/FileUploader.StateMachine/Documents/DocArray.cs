using System.Collections;
using System.Text.Json;

namespace FileUploader.StateMachine.Documents;

/// <summary>A JSON array.</summary>
internal sealed class DocArray : DocNode, IList<DocNode?>, IReadOnlyList<DocNode?>
{
    private DocNode?[] _items;
    private int _count;

    public DocArray()
    {
        _items = [];
    }

    // Private: from outside, new DocArray(1) must be an array holding 1, as with JsonArray.
    private DocArray(int capacity)
    {
        _items = capacity == 0 ? [] : new DocNode?[capacity];
    }

    public DocArray(params DocNode?[] items)
    {
        _items = items.Length == 0 ? [] : new DocNode?[items.Length];
        foreach (var item in items)
        {
            Add(item);
        }
    }

    public DocArray(IEnumerable<DocNode?> items)
        : this()
    {
        foreach (var item in items)
        {
            Add(item);
        }
    }

    public int Count => _count;

    public bool IsReadOnly => false;

    public override JsonValueKind GetValueKind() => JsonValueKind.Array;

    public new DocNode? this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            return _items[index];
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            if (!ReferenceEquals(_items[index], value))
            {
                Adopt(value);
                Release(_items[index]);
                Store(_items, index, value);
            }
        }
    }

    public void Add(DocNode? item)
    {
        Adopt(item);
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, Math.Max(4, _count * 2));
        }

        Store(_items, _count++, item);
    }

    public void Insert(int index, DocNode? item)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)index, (uint)_count, nameof(index));
        Adopt(item);
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, Math.Max(4, _count * 2));
        }

        Array.Copy(_items, index, _items, index + 1, _count - index);
        Store(_items, index, item);
        _count++;
    }

    public void RemoveAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
        Release(_items[index]);
        _count--;
        Array.Copy(_items, index + 1, _items, index, _count - index);
        _items[_count] = null;
    }

    public bool Remove(DocNode? item)
    {
        var at = IndexOf(item);
        if (at < 0)
        {
            return false;
        }

        RemoveAt(at);
        return true;
    }

    public void Clear()
    {
        for (var i = 0; i < _count; i++)
        {
            Release(_items[i]);
        }

        Array.Clear(_items, 0, _count);
        _count = 0;
    }

    /// <summary>The position of this very node (by reference, as <c>JsonArray.IndexOf</c>), or -1.</summary>
    public int IndexOf(DocNode? item)
    {
        for (var i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_items[i], item))
            {
                return i;
            }
        }

        return -1;
    }

    public bool Contains(DocNode? item) => IndexOf(item) >= 0;

    public void CopyTo(DocNode?[] array, int arrayIndex) => Array.Copy(_items, 0, array, arrayIndex, _count);

    public override DocNode DeepClone()
    {
        var copy = new DocArray(_count);
        for (var i = 0; i < _count; i++)
        {
            copy.Add(_items[i]?.DeepClone());
        }

        return copy;
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        for (var i = 0; i < _count; i++)
        {
            if (_items[i] is { } item)
            {
                item.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }
        }

        writer.WriteEndArray();
    }

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<DocNode?> IEnumerable<DocNode?>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Items in order; the array must not change while it runs.</summary>
    public struct Enumerator(DocArray owner) : IEnumerator<DocNode?>
    {
        private int _at = -1;

        public readonly DocNode? Current => owner._items[_at];

        readonly object? IEnumerator.Current => Current;

        public bool MoveNext() => ++_at < owner._count;

        public void Reset() => _at = -1;

        public readonly void Dispose()
        {
        }
    }
}
