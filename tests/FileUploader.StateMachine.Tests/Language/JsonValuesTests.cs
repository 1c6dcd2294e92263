using FileUploader.StateMachine.Documents;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Language;
using static FileUploader.StateMachine.Tests.Language.LanguageTestData;

namespace FileUploader.StateMachine.Tests.Language;

// Value semantics shared by filters, Choice rules and intrinsics: JSON numbers compare by value whatever their
// spelling or the CLR type behind the node.
public sealed class JsonValuesTests
{
    [Theory]
    [InlineData("1", "1.0", true)]
    [InlineData("1e2", "100", true)]
    [InlineData("0.1", "0.10", true)]
    [InlineData("{\"a\":1,\"b\":[true,null]}", "{\"b\":[true,null],\"a\":1.0}", true)]
    [InlineData("[1,2]", "[2,1]", false)]
    [InlineData("\"1\"", "1", false)]
    [InlineData("null", "null", true)]
    [InlineData("{\"a\":1}", "{\"a\":1,\"b\":2}", false)]
    [InlineData("\"é\"", "\"\\u00e9\"", true)]
    public void DeepEquals_ParsedValues_ComparesJsonSemantics(string left, string right, bool expected)
    {
        Assert.Equal(expected, JsonValues.DeepEquals(Json(left), Json(right)));
    }

    [Fact]
    public void DeepEquals_CreatedAndParsedNumbers_AreEqual()
    {
        Assert.True(JsonValues.DeepEquals(DocValue.Create(5), Json("5.0")));
        Assert.True(JsonValues.DeepEquals(DocValue.Create(5L), DocValue.Create(5m)));
        Assert.True(JsonValues.DeepEquals(DocValue.Create(0.5), Json("0.5")));
    }

    [Theory]
    [InlineData("3", true, 3)]
    [InlineData("3.0", true, 3)]
    [InlineData("-7", true, -7)]
    [InlineData("3.5", false, 0)]
    [InlineData("\"3\"", false, 0)]
    [InlineData("1e30", false, 0)]
    public void TryGetInteger_Number_AcceptsOnlyWholeValuesInRange(string json, bool ok, long expected)
    {
        Assert.Equal(ok, JsonValues.TryGetInteger(Json(json), out var value));
        Assert.Equal(expected, value);
    }

    [Fact]
    public void CompareNumbers_BeyondDecimalRange_FallsBackToDouble()
    {
        Assert.True(JsonValues.CompareNumbers(Json("1e300"), Json("2e300")) < 0);
        Assert.True(JsonValues.CompareNumbers(Json("12345678901234567890123"), Json("1")) > 0);
    }

    [Fact]
    public void TryGetDouble_PrimitiveBackedValues_AreRead()
    {
        Assert.True(JsonValues.TryGetDouble(DocValue.Create(7), out var i));
        Assert.True(JsonValues.TryGetDouble(DocValue.Create(2.5m), out var m));
        Assert.True(JsonValues.TryGetDouble(DocValue.Create(9L), out var u));

        Assert.Equal(7, i);
        Assert.Equal(2.5, m);
        Assert.Equal(9, u);
        Assert.False(JsonValues.TryGetDouble(DocValue.Create("7"), out _));
    }

    [Theory]
    [InlineData("{}", "object")]
    [InlineData("[]", "array")]
    [InlineData("\"s\"", "string")]
    [InlineData("1", "number")]
    [InlineData("false", "boolean")]
    [InlineData("null", "null")]
    public void TypeName_Value_NamesJsonType(string json, string expected)
    {
        Assert.Equal(expected, JsonValues.TypeName(Json(json)));
    }

    [Fact]
    public void ToJsonText_HtmlAndUnicode_AreNotEscaped()
    {
        Assert.Equal("{\"a\":\"<b>&é\"}", JsonValues.ToJsonText(Json("{\"a\":\"<b>&é\"}")));
        Assert.Equal("null", JsonValues.ToJsonText(null));
    }
}
