using FileUploader.StateMachine.Documents;

namespace FileUploader.StateMachine.Tests.Documents;

/// <summary>Objects, arrays and leaves of the document tree: membership, order, copies and equality.</summary>
public sealed class DocTreeTests
{
    [Fact]
    public void Object_MembersKeepTheirOrder_ThroughReplaceAndRemove()
    {
        var obj = new DocObject { ["a"] = 1, ["b"] = 2, ["c"] = 3 };

        obj["b"] = "two";
        Assert.True(obj.Remove("a"));
        Assert.False(obj.Remove("a"));
        obj["d"] = 4;

        Assert.Equal("""{"b":"two","c":3,"d":4}""", obj.ToJsonString());
        Assert.Equal(["b", "c", "d"], obj.Select(m => m.Key));
        Assert.Equal("c", obj.GetAt(1).Key);
        Assert.Equal(1, obj.IndexOf("c"));
        Assert.Equal(-1, obj.IndexOf("a"));
    }

    [Fact]
    public void Object_Add_RefusesATakenName()
    {
        var obj = new DocObject { ["a"] = 1 };

        Assert.Throws<ArgumentException>(() => obj.Add("a", 2));
        Assert.Equal(1, obj.Count);
    }

    [Fact]
    public void Object_BeyondTheIndexThreshold_FindsEveryMemberAfterAddsAndRemoves()
    {
        var obj = new DocObject();
        var count = (DocObject.IndexThreshold * 4) + 3;
        for (var i = 0; i < count; i++)
        {
            obj[$"m{i}"] = i;
        }

        Assert.True(obj.Remove("m5"));
        obj["late"] = "x";
        obj["m7"] = "seven";

        Assert.Equal(count, obj.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i != 5, obj.ContainsKey($"m{i}"));
        }

        Assert.Equal("seven", obj["m7"]!.GetValue<string>());
        Assert.Equal("x", obj["late"]!.GetValue<string>());
        Assert.Equal(count - 1, obj.IndexOf("late"));
        Assert.Null(obj["m5"]);
    }

    [Fact]
    public void Container_BelongsToOneDocument_LeavesToAny()
    {
        var child = new DocObject { ["x"] = 1 };
        var leaf = DocValue.Create("shared");
        var first = new DocObject { ["child"] = child, ["leaf"] = leaf };

        Assert.Same(first, child.Parent);
        Assert.Same(first, child.Root);
        Assert.Throws<InvalidOperationException>(() => new DocArray().Add(child));
        Assert.Throws<InvalidOperationException>(() => new DocObject { ["again"] = child });

        // A leaf is immutable: it may sit in any number of documents, and is its own copy.
        var second = new DocArray(leaf, leaf);
        Assert.Null(leaf.Parent);
        Assert.Same(leaf, leaf.DeepClone());
        Assert.Equal("""["shared","shared"]""", second.ToJsonString());

        // Removed or replaced, a container is free to go elsewhere.
        first["child"] = null;
        Assert.Null(child.Parent);
        var other = new DocArray(child);
        Assert.Same(other, child.Parent);
        Assert.True(other.Remove(child));
        Assert.Null(child.Parent);
    }

    [Fact]
    public void DeepClone_SharesNothingThatCanChange()
    {
        var original = DocNode.Parse("""{"list":[{"n":1}],"obj":{"s":"x"}}""")!.AsObject();

        var copy = original.DeepClone().AsObject();
        copy["list"]!.AsArray().Add(2);
        copy["list"]![0]!.AsObject()["n"] = 99;
        copy["obj"]!.AsObject().Remove("s");

        Assert.Equal("""{"list":[{"n":1}],"obj":{"s":"x"}}""", original.ToJsonString());
        Assert.Equal("""{"list":[{"n":99},2],"obj":{}}""", copy.ToJsonString());
        Assert.Null(copy.Parent);
    }

    [Fact]
    public void Array_InsertRemoveAndClear_KeepOrderAndParents()
    {
        var inner = new DocArray(1);
        var array = new DocArray("a", "c");

        array.Insert(1, "b");
        array.Insert(3, inner);
        array.Insert(0, "start");
        Assert.Equal("""["start","a","b","c",[1]]""", array.ToJsonString());

        array.RemoveAt(1);
        Assert.Equal("""["start","b","c",[1]]""", array.ToJsonString());
        Assert.Same(array, inner.Parent);

        array.Clear();
        Assert.Empty(array);
        Assert.Null(inner.Parent);
        Assert.Throws<ArgumentOutOfRangeException>(() => array[0]);
    }

    [Theory]
    [InlineData("1", "1.0", true)]
    [InlineData("1e2", "100", true)]
    [InlineData("1", "\"1\"", false)]
    [InlineData("""{"a":1,"b":[true,null]}""", """{"b":[true,null],"a":1.00}""", true)]
    [InlineData("""{"a":1}""", """{"a":1,"b":2}""", false)]
    [InlineData("[1,2]", "[2,1]", false)]
    [InlineData("null", "null", true)]
    [InlineData("null", "false", false)]
    [InlineData("\"é\"", "\"\\u00e9\"", true)]
    public void DeepEquals_ComparesJsonValues(string left, string right, bool expected)
    {
        Assert.Equal(expected, DocNode.DeepEquals(DocNode.Parse(left), DocNode.Parse(right)));
        Assert.Equal(expected, DocNode.DeepEquals(DocNode.Parse(right), DocNode.Parse(left)));
    }

    [Fact]
    public void Conversions_ReadValuesOrThrow()
    {
        Assert.Equal("text", (string?)DocValue.Create("text"));
        Assert.Null((string?)(DocNode?)null);
        Assert.Equal(3, (int)DocNode.Parse("3")!);
        Assert.True((bool)DocNode.Parse("true")!);
        Assert.Throws<InvalidOperationException>(() => (string?)DocNode.Parse("3"));
        Assert.Throws<InvalidOperationException>(() => DocNode.Parse("{}")!.AsArray());
        Assert.Throws<InvalidOperationException>(() => DocNode.Parse("[]")!["name"]);
    }
}
