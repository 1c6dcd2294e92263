using System.Collections;
using System.Diagnostics.CodeAnalysis;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.Language;

namespace FileUploader.StateMachine.Execution;

/// <summary>
/// The variables one frame sees (ASL variables, 2024): its own, then its enclosing scopes'. A Parallel branch or
/// Map iteration reads the outer variables but its assignments stay in its own scope and vanish with it; a
/// distributed Map's iterations see no outer variables at all.
/// </summary>
internal sealed class VariableScope(VariableScope? parent) : IReadOnlyDictionary<string, DocNode?>
{
    private Dictionary<string, DocNode?>? _own;
    private string? _ownJson = "{}";

    public VariableScope? Parent { get; } = parent;

    /// <summary>This scope's own variables as a JSON object (what the journal stores for the frame).</summary>
    public string OwnJson => _ownJson ??= ToJson();

    public bool HasOwn => _own is { Count: > 0 };

    /// <summary>Applies the values an Assign produced; they were all evaluated against the old values first.</summary>
    public void Assign(DocObject values)
    {
        _own ??= new Dictionary<string, DocNode?>(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            _own[name] = value;
        }

        _ownJson = null;
    }

    public void Restore(string? json)
    {
        if (string.IsNullOrEmpty(json) || json == "{}")
        {
            return;
        }

        if (DocNode.Parse(json) is DocObject obj)
        {
            var copy = new DocObject();
            foreach (var name in obj.Select(p => p.Key).ToList())
            {
                var value = obj[name];
                obj.Remove(name);
                copy[name] = value;
            }

            Assign(copy);
            _ownJson = json;
        }
    }

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out DocNode? value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._own is not null && scope._own.TryGetValue(key, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public DocNode? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public IEnumerable<string> Keys => Flatten().Keys;

    public IEnumerable<DocNode?> Values => Flatten().Values;

    public int Count => Flatten().Count;

    public IEnumerator<KeyValuePair<string, DocNode?>> GetEnumerator() => Flatten().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private Dictionary<string, DocNode?> Flatten()
    {
        var all = Parent?.Flatten() ?? new Dictionary<string, DocNode?>(StringComparer.Ordinal);
        if (_own is not null)
        {
            foreach (var (name, value) in _own)
            {
                all[name] = value;
            }
        }

        return all;
    }

    private string ToJson()
    {
        var obj = new DocObject();
        if (_own is not null)
        {
            foreach (var (name, value) in _own)
            {
                obj[name] = value?.DeepClone();
            }
        }

        return JsonValues.ToJsonText(obj);
    }
}
