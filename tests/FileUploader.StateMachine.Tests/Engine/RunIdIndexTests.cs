using FileUploader.StateMachine.Journal;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// The SQLite journal's map of run ids by execution ARN, kept for every execution it ever held: keyed compactly (a
/// prefix number and a UUID or a name), but exactly: no two ARNs share an entry, whatever their names look like.
/// </summary>
public sealed class RunIdIndexTests
{
    private const string Prefix = "arn:aws:states:us-east-1:123456789012:execution:machine:";
    private const string OtherPrefix = "arn:aws:states:us-east-1:123456789012:execution:other:";

    [Fact]
    public void Index_NamesThatOnlyLookAlike_AreDifferentEntries()
    {
        var uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        var arns = new[]
        {
            Prefix + uuid,
            Prefix + uuid.ToUpperInvariant(),            // parses to the same Guid, but another name
            Prefix + "{" + uuid + "}",                   // likewise
            Prefix + uuid.Replace("-", "", StringComparison.Ordinal),
            OtherPrefix + uuid,                          // same name, another state machine
            Prefix + "00000000-0000-0000-0000-000000000000",
            Prefix + "upload-1",
            Prefix,                                      // an empty name
            "no-colon-at-all",
        };

        var index = new RunIdIndex();
        for (var i = 0; i < arns.Length; i++)
        {
            index[arns[i]] = 100 + i;
        }

        Assert.Equal(arns.Length, index.Count);
        for (var i = 0; i < arns.Length; i++)
        {
            Assert.True(index.TryGetValue(arns[i], out var id), arns[i]);
            Assert.Equal(100 + i, id);
        }
    }

    [Fact]
    public void Index_UnknownArnsAndPrefixes_AreNotFound_AndSettingAgainReplaces()
    {
        var index = new RunIdIndex();
        var arn = Prefix + Guid.NewGuid();
        index[arn] = 1;
        index[arn] = 2;

        Assert.Equal(1, index.Count);
        Assert.True(index.TryGetValue(arn, out var id));
        Assert.Equal(2, id);
        Assert.False(index.ContainsKey(Prefix + Guid.NewGuid()));
        Assert.False(index.ContainsKey(OtherPrefix + "upload-1"));
        Assert.False(index.TryGetValue("arn:aws:states:eu-west-1:123456789012:execution:machine:x", out _));
    }

    [Fact]
    public void Index_ManyGeneratedAndNamedExecutions_EachFoundWithItsOwnId()
    {
        var random = new Random(7);
        var arns = Enumerable.Range(0, 20_000)
            .Select(i => (i % 3 == 0 ? OtherPrefix : Prefix) + (i % 5 == 0 ? $"named-{i}" : RandomUuid(random)))
            .ToList();
        var index = new RunIdIndex();
        for (var i = 0; i < arns.Count; i++)
        {
            index[arns[i]] = i;
        }

        Assert.Equal(arns.Count, index.Count);
        Assert.All(Enumerable.Range(0, arns.Count), i => Assert.True(index.TryGetValue(arns[i], out var id) && id == i, arns[i]));
    }

    private static string RandomUuid(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes).ToString();
    }
}
