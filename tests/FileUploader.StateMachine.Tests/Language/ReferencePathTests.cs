using FileUploader.StateMachine.Documents;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Language;
using static FileUploader.StateMachine.Tests.Language.LanguageTestData;

namespace FileUploader.StateMachine.Tests.Language;

// Spec "Reference Paths": a path whose syntax can only identify a single node (no *, .., filters, unions, slices).
public sealed class ReferencePathTests
{
    [Theory]
    [InlineData("$", "{\"a\":{\"b\":[1,2,{\"c\":\"x\"}]}}")]
    [InlineData("$.a", "{\"b\":[1,2,{\"c\":\"x\"}]}")]
    [InlineData("$.a.b", "[1,2,{\"c\":\"x\"}]")]
    [InlineData("$.a.b[1]", "2")]
    [InlineData("$.a.b[2].c", "\"x\"")]
    [InlineData("$['a']['b'][2]['c']", "\"x\"")]
    [InlineData("$[\"a\"].b[0]", "1")]
    [InlineData("$.a.b[-1].c", "\"x\"")]
    public void TryGet_ExistingPath_ReturnsNode(string path, string expected)
    {
        var root = Json("{\"a\":{\"b\":[1,2,{\"c\":\"x\"}]}}");

        Assert.True(ReferencePath.Parse(path).TryGet(root, out var value));
        AssertJson(expected, value);
    }

    [Theory]
    [InlineData("$.missing")]
    [InlineData("$.a.missing")]
    [InlineData("$.a.b[3]")]
    [InlineData("$.a.b.c")]
    [InlineData("$.a[0]")]
    public void TryGet_MissingPath_ReturnsFalse(string path)
    {
        var root = Json("{\"a\":{\"b\":[1,2,{\"c\":\"x\"}]}}");

        Assert.False(ReferencePath.Parse(path).TryGet(root, out _));
    }

    [Fact]
    public void TryGet_FieldHoldingJsonNull_ReturnsTrueWithNull()
    {
        Assert.True(ReferencePath.Parse("$.a").TryGet(Json("{\"a\":null}"), out var value));
        Assert.Null(value);
    }

    // Spec "Reference Paths" examples: a backslash escapes any character of a dot-notation name.
    [Theory]
    [InlineData("$.store\\.book", "store.book")]
    [InlineData("$.\\stor\\e", "store")]
    [InlineData("$.foo\\@bar", "foo@bar")]
    [InlineData("$.&Ж中", "&Ж中")]
    public void TryGet_EscapedAndUnicodeNames_ReadThatField(string path, string field)
    {
        var root = new DocObject { [field] = 1 };

        Assert.True(ReferencePath.Parse(path).TryGet(root, out var value));
        AssertJson("1", value);
    }

    [Fact]
    public void TryGet_EscapedDotInMiddle_DoesNotSplitName()
    {
        var root = Json("{\"foo\":{\".bar\":2}}");

        Assert.True(ReferencePath.Parse("$.foo.\\.bar").TryGet(root, out var value));
        AssertJson("2", value);
    }

    [Fact]
    public void TryGet_QuotedNameWithDotsAndSpaces_ReadsThatField()
    {
        Assert.True(ReferencePath.Parse("$['first name.x']").TryGet(Json("{\"first name.x\":7}"), out var value));
        AssertJson("7", value);
    }

    [Theory]
    [InlineData("$$.Execution.Id", "\"exec-1\"")]
    [InlineData("$.order.id", "42")]
    [InlineData("$myVar.items[1]", "\"b\"")]
    [InlineData("$myVar", "{\"items\":[\"a\",\"b\"]}")]
    public void TryGet_WithPathContext_ResolvesInputContextAndVariables(string path, string expected)
    {
        var ctx = Ctx("{\"order\":{\"id\":42}}", "{\"Execution\":{\"Id\":\"exec-1\"}}", ("myVar", "{\"items\":[\"a\",\"b\"]}"));

        Assert.True(ReferencePath.Parse(path).TryGet(ctx, out var value));
        AssertJson(expected, value);
    }

    [Fact]
    public void TryGet_UndefinedVariable_ReturnsFalse()
    {
        Assert.False(ReferencePath.Parse("$nope.a").TryGet(Ctx("{}"), out _));
    }

    [Theory]
    [InlineData("$$.Task.Token", "Context", null)]
    [InlineData("$.x", "Input", null)]
    [InlineData("$counter", "Variable", "counter")]
    public void Parse_Root_IsRecognised(string path, string root, string? variable)
    {
        var parsed = ReferencePath.Parse(path);

        Assert.Equal(Enum.Parse<PathRoot>(root), parsed.Root);
        Assert.Equal(variable, parsed.VariableName);
    }

    [Theory]
    [InlineData("$.a[*]", "wildcards")]
    [InlineData("$.*", "wildcards")]
    [InlineData("$..a", "deep scan")]
    [InlineData("$.a[?(@.b)]", "filters")]
    [InlineData("$.a[0,1]", "unions")]
    [InlineData("$['a','b']", "unions")]
    [InlineData("$.a[1:2]", "slices")]
    [InlineData("$.a.length()", "functions")]
    [InlineData("a.b", "must start with '$'")]
    [InlineData("", "must start with '$'")]
    [InlineData("$.", "expected a name")]
    [InlineData("$.a[", "unterminated")]
    [InlineData("$.a[x]", "unexpected character")]
    [InlineData("$['a'", "expected ']'")]
    [InlineData("$.a]", "unexpected character")]
    public void Parse_InvalidReferencePath_ThrowsWithReason(string path, string reason)
    {
        var ex = Assert.Throws<PathSyntaxException>(() => ReferencePath.Parse(path));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{path}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_InvalidPath_ReturnsFalseWithError()
    {
        Assert.False(ReferencePath.TryParse("$..x", out var path, out var error));
        Assert.Null(path);
        Assert.NotNull(error);
        Assert.True(ReferencePath.TryParse("$.x", out path, out error));
        Assert.Equal("$.x", path!.Text);
        Assert.Null(error);
    }

    // Spec "ResultPath": "If the raw input has a field at the location addressed by the ResultPath value then in the
    // output that field is discarded and overwritten by the state's result. Otherwise, a new field is created in the
    // state output, with intervening fields constructed as necessary."
    [Theory]
    [InlineData("$.result", "{\"a\":1}", "{\"a\":1,\"result\":{\"ok\":true}}")]
    [InlineData("$.a", "{\"a\":1}", "{\"a\":{\"ok\":true}}")]
    [InlineData("$.x.y.z", "{\"a\":1}", "{\"a\":1,\"x\":{\"y\":{\"z\":{\"ok\":true}}}}")]
    [InlineData("$.x.y", "{\"x\":{\"keep\":2}}", "{\"x\":{\"keep\":2,\"y\":{\"ok\":true}}}")]
    [InlineData("$.list[1]", "{\"list\":[1,2,3]}", "{\"list\":[1,{\"ok\":true},3]}")]
    [InlineData("$.list[0].v", "{\"list\":[{\"v\":0}]}", "{\"list\":[{\"v\":{\"ok\":true}}]}")]
    [InlineData("$['odd key']", "{}", "{\"odd key\":{\"ok\":true}}")]
    public void Set_ObjectInput_PlacesResult(string path, string input, string expected)
    {
        var root = Json(input);

        var output = ReferencePath.Parse(path).Set(root, Json("{\"ok\":true}"));

        AssertJson(expected, output);
        AssertJson(input, root); // the caller's document is untouched
    }

    [Fact]
    public void Set_RootPath_ReplacesWholeInput()
    {
        var output = ReferencePath.Parse("$").Set(Json("{\"a\":1}"), Json("[1,2]"));

        AssertJson("[1,2]", output);
    }

    [Fact]
    public void Set_ValueAttachedElsewhere_IsCopiedNotMoved()
    {
        var other = Json("{\"inner\":{\"v\":1}}")!.AsObject();
        var value = other["inner"];

        var output = ReferencePath.Parse("$.copy").Set(Json("{}"), value);

        AssertJson("{\"copy\":{\"v\":1}}", output);
        AssertJson("{\"inner\":{\"v\":1}}", other);
    }

    [Theory]
    [InlineData("$.a.b", "{\"a\":\"text\"}")]
    [InlineData("$.a", "\"just a string\"")]
    [InlineData("$.a", "[1,2]")]
    [InlineData("$.list[5]", "{\"list\":[1]}")]
    [InlineData("$.list[5].x", "{\"list\":[1]}")]
    [InlineData("$.obj[0]", "{\"obj\":{}}")]
    public void Set_PathThroughNonObjectOrMissingIndex_ThrowsResultPathMatchFailure(string path, string input)
    {
        var ex = Assert.Throws<StatesException>(() => ReferencePath.Parse(path).Set(Json(input), DocValue.Create(1)));

        Assert.Equal(StatesErrors.ResultPathMatchFailure, ex.Error);
        Assert.Contains(path, ex.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_ContextPath_ThrowsResultPathMatchFailure()
    {
        var ex = Assert.Throws<StatesException>(() => ReferencePath.Parse("$$.x").Set(Json("{}"), DocValue.Create(1)));

        Assert.Equal(StatesErrors.ResultPathMatchFailure, ex.Error);
    }

    [Fact]
    public void SetInPlace_OwnedDocument_IsChangedAndReturned()
    {
        var root = Json("{\"a\":1}");

        var output = ReferencePath.Parse("$.b").SetInPlace(root, DocValue.Create(2));

        Assert.Same(root, output);
        AssertJson("{\"a\":1,\"b\":2}", root);
    }

    [Theory]
    [InlineData("$.a.b", "{\"a\":\"text\"}", false)]
    [InlineData("$.a", "\"just a string\"", false)]
    [InlineData("$.list[5]", "{\"list\":[1]}", false)]
    [InlineData("$.list[5].x", "{\"list\":[1]}", false)]
    [InlineData("$.obj[0]", "{\"obj\":{}}", false)]
    [InlineData("$.new.deep[0]", "{}", false)]
    [InlineData("$$.x", "{}", false)]
    [InlineData("$.list[0]", "{\"list\":[1]}", true)]
    [InlineData("$.list[-1].x", "{\"list\":[{}]}", true)]
    [InlineData("$.new.deep.er", "{}", true)]
    [InlineData("$.a", "{\"a\":1}", true)]
    [InlineData("$", "3", true)]
    public void CanSetInPlace_AnyDocument_AgreesWithSetAndChangesNothing(string path, string input, bool expected)
    {
        var root = Json(input);
        var reference = ReferencePath.Parse(path);

        var can = reference.CanSetInPlace(root);

        Assert.Equal(expected, can);
        AssertJson(input, root);
        var setSucceeds = true;
        try
        {
            reference.Set(root, DocValue.Create(1));
        }
        catch (StatesException)
        {
            setSucceeds = false;
        }

        Assert.Equal(setSucceeds, can);
    }

    [Fact]
    public void Parse_SameText_ReturnsCachedInstance()
    {
        Assert.Same(ReferencePath.Parse("$.cached.path"), ReferencePath.Parse("$.cached.path"));
    }
}
