namespace FileUploader.StateMachine.Journal;

/// <summary>
/// Every journaled execution's run id by ARN, held for the journal's lifetime (one entry per execution it ever held,
/// so its size per entry is what matters). An execution ARN is its state machine's execution prefix
/// (<c>arn:aws:states:region:account:execution:machine:</c>), shared by thousands, and a name, usually a generated
/// UUID. So an entry's key is the prefix's number and the name as a <see cref="Guid"/> when it is one written the way
/// <see cref="Guid.ToString()"/> writes it (lowercase, with hyphens), else as text: about 60 bytes an entry instead of
/// the whole ARN string and its dictionary entry (about 250). The key is exact: two ARNs never share one.
/// Not thread-safe: the journal guards it.
/// </summary>
internal sealed class RunIdIndex
{
    private readonly Dictionary<string, int> _prefixes = new(StringComparer.Ordinal);
    private readonly Dictionary<RunKey, long> _ids = [];

    public int Count => _ids.Count;

    public long this[string arn]
    {
        set => _ids[KeyOf(arn, PrefixOf(arn, add: true))] = value;
    }

    public bool TryGetValue(string arn, out long runId)
    {
        runId = 0;
        var prefix = PrefixOf(arn, add: false);
        return prefix >= 0 && _ids.TryGetValue(KeyOf(arn, prefix), out runId);
    }

    public bool ContainsKey(string arn) => TryGetValue(arn, out _);

    /// <summary>The number of the ARN's prefix (up to and with its last colon); -1 when new and not <paramref name="add"/>.</summary>
    private int PrefixOf(string arn, bool add)
    {
        var text = arn.AsSpan(0, arn.LastIndexOf(':') + 1);
        if (_prefixes.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(text, out var prefix))
        {
            return prefix;
        }

        if (!add)
        {
            return -1;
        }

        prefix = _prefixes.Count;
        _prefixes[text.ToString()] = prefix;
        return prefix;
    }

    private static RunKey KeyOf(string arn, int prefix)
    {
        var name = arn.AsSpan(arn.LastIndexOf(':') + 1);
        return IsCanonicalGuid(name, out var uuid) ? new RunKey(prefix, uuid, null) : new RunKey(prefix, default, name.ToString());
    }

    /// <summary>
    /// True only for the one spelling <see cref="Guid.ToString()"/> gives (36 characters, lowercase hex): parsing
    /// accepts uppercase too, and two names that differ only in case are two executions.
    /// </summary>
    private static bool IsCanonicalGuid(ReadOnlySpan<char> name, out Guid uuid)
    {
        uuid = default;
        return name.Length == 36 && !name.ContainsAnyInRange('A', 'Z') && Guid.TryParseExact(name, "D", out uuid);
    }

    private readonly record struct RunKey(int Prefix, Guid Uuid, string? Name);
}
