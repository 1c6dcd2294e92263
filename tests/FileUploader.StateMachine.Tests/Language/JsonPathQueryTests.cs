using FileUploader.StateMachine.Documents;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Language;
using static FileUploader.StateMachine.Tests.Language.LanguageTestData;

namespace FileUploader.StateMachine.Tests.Language;

// Spec "Paths": JSONPath as in Parameters "…$" fields. AWS evaluates them with Jayway JsonPath, so a definite path
// answers a value and an indefinite one (wildcard, filter, deep scan, slice, union) answers an array of matches.
public sealed class JsonPathQueryTests
{
    [Theory]
    [InlineData("$.expensive", "10")]
    [InlineData("$.store.bicycle.color", "\"red\"")]
    [InlineData("$['store']['bicycle']['price']", "19.95")]
    [InlineData("$.store.book[0].author", "\"Nigel Rees\"")]
    [InlineData("$.store.book[-1].title", "\"The Lord of the Rings\"")]
    [InlineData("$.store.book[2].isbn", "\"0-553-21311-3\"")]
    [InlineData("$.store.book.length()", "4")]
    [InlineData("$.store.bicycle.color.length()", "3")]
    [InlineData("$.store.book[(@.length-1)].author", "\"J. R. R. Tolkien\"")]
    [InlineData("$..price.min()", "8.95")]
    [InlineData("$..price.max()", "22.99")]
    [InlineData("$.store.book[*].price.sum()", "53.92")]
    [InlineData("$.store.book[0,2].price.avg()", "8.97")]
    [InlineData("$.store.length()", "2")]
    [InlineData("$.store.book[(@.length - 2)].price", "8.99")]
    public void Evaluate_DefinitePath_ReturnsSingleValue(string path, string expected)
    {
        AssertJson(expected, JsonPathQuery.Evaluate(path, Ctx(Store)));
    }

    [Theory]
    [InlineData("$.store.book[*].author", "[\"Nigel Rees\",\"Evelyn Waugh\",\"Herman Melville\",\"J. R. R. Tolkien\"]")]
    [InlineData("$..author", "[\"Nigel Rees\",\"Evelyn Waugh\",\"Herman Melville\",\"J. R. R. Tolkien\"]")]
    [InlineData("$.store.*.color", "[\"red\"]")]
    [InlineData("$.store..price", "[8.95,12.99,8.99,22.99,19.95]")]
    [InlineData("$..book[2].title", "[\"Moby Dick\"]")]
    [InlineData("$..book[-1:].title", "[\"The Lord of the Rings\"]")]
    [InlineData("$..book[0,1].title", "[\"Sayings of the Century\",\"Sword of Honour\"]")]
    [InlineData("$.store.book[:2].price", "[8.95,12.99]")]
    [InlineData("$.store.book[1:3].price", "[12.99,8.99]")]
    [InlineData("$.store.book[::2].price", "[8.95,8.99]")]
    [InlineData("$.store.book[::-1].price", "[22.99,8.99,12.99,8.95]")]
    [InlineData("$.store.book[-3:-1].price", "[12.99,8.99]")]
    [InlineData("$.store.book[10:].price", "[]")]
    [InlineData("$.store.book[?(@.isbn)].title", "[\"Moby Dick\",\"The Lord of the Rings\"]")]
    [InlineData("$.store.book[?(@.price < 10)].title", "[\"Sayings of the Century\",\"Moby Dick\"]")]
    [InlineData("$.store.book[?(@.price <= 8.99)].price", "[8.95,8.99]")]
    [InlineData("$.store.book[?(@.price > 20)].title", "[\"The Lord of the Rings\"]")]
    [InlineData("$.store.book[?(@.price >= 22.99)].title", "[\"The Lord of the Rings\"]")]
    [InlineData("$.store.book[?(@.category == 'reference')].author", "[\"Nigel Rees\"]")]
    [InlineData("$.store.book[?(@.category != 'fiction')].author", "[\"Nigel Rees\"]")]
    [InlineData("$.store.book[?(@.price < $.expensive)].price", "[8.95,8.99]")]
    [InlineData("$.store.book[?(@.category == 'fiction' && @.price < 10)].title", "[\"Moby Dick\"]")]
    [InlineData("$.store.book[?(@.price > 20 || @.category == 'reference')].title", "[\"Sayings of the Century\",\"The Lord of the Rings\"]")]
    [InlineData("$.store.book[?(!(@.isbn))].title", "[\"Sayings of the Century\",\"Sword of Honour\"]")]
    [InlineData("$.store.book[?(@.author =~ /.*melville/i)].price", "[8.99]")]
    [InlineData("$.store['bicycle','missing'].color", "[\"red\"]")]
    [InlineData("$.store.book[?(@.category in ['reference', 'poetry'])].author", "[\"Nigel Rees\"]")]
    [InlineData("$.store.book[?(@.price nin [8.95, 8.99, 12.99])].author", "[\"J. R. R. Tolkien\"]")]
    [InlineData("$.store.book[?(@.author in [])].author", "[]")]
    [InlineData("$.store.book[0].*", "[\"reference\",\"Nigel Rees\",\"Sayings of the Century\",8.95]")]
    [InlineData("$..book[?(@.price > 10 && !(@.category == 'fiction'))]", "[]")]
    [InlineData("$.store.book[?(@.price == 'x')]", "[]")]
    public void Evaluate_IndefinitePath_ReturnsArrayOfMatches(string path, string expected)
    {
        AssertJson(expected, JsonPathQuery.Evaluate(path, Ctx(Store)));
    }

    [Fact]
    public void Evaluate_WildcardOverObject_ReturnsPropertyValuesInOrder()
    {
        AssertJson("[1,2]", JsonPathQuery.Evaluate("$.*", Ctx("{\"a\":1,\"b\":2}")));
    }

    [Fact]
    public void Evaluate_FilterOnCurrentValue_MatchesPrimitiveElements()
    {
        AssertJson("[\"b\",\"b\"]", JsonPathQuery.Evaluate("$.tags[?(@ == 'b')]", Ctx("{\"tags\":[\"a\",\"b\",\"c\",\"b\"]}")));
        AssertJson("[3,4]", JsonPathQuery.Evaluate("$.n[?(@ > 2)]", Ctx("{\"n\":[1,2,3,4]}")));
    }

    [Fact]
    public void Evaluate_FilterComparingToVariable_UsesVariableValue()
    {
        var ctx = Ctx("{\"n\":[1,5,9]}", null, ("min", "4"));

        AssertJson("[5,9]", JsonPathQuery.Evaluate("$.n[?(@ >= $min)]", ctx));
    }

    [Fact]
    public void Evaluate_FilterOnObject_TestsTheObjectItself()
    {
        // Jayway applies a filter on an object to the object, not to its properties.
        AssertJson("[{\"a\":1}]", JsonPathQuery.Evaluate("$.o[?(@.a == 1)]", Ctx("{\"o\":{\"a\":1}}")));
    }

    [Fact]
    public void Evaluate_FilterComparingBooleansAndNull_UsesJsonEquality()
    {
        var ctx = Ctx("{\"items\":[{\"id\":1,\"on\":true},{\"id\":2,\"on\":false},{\"id\":3,\"on\":null}]}");

        AssertJson("[1]", JsonPathQuery.Evaluate("$.items[?(@.on == true)].id", ctx));
        AssertJson("[3]", JsonPathQuery.Evaluate("$.items[?(@.on == null)].id", ctx));
    }

    [Fact]
    public void Evaluate_FilterNumberAgainstString_DoesNotMatch()
    {
        var ctx = Ctx("{\"items\":[{\"n\":1},{\"n\":\"1\"}]}");

        AssertJson("[{\"n\":1}]", JsonPathQuery.Evaluate("$.items[?(@.n == 1)]", ctx));
        AssertJson("[{\"n\":\"1\"}]", JsonPathQuery.Evaluate("$.items[?(@.n == '1')]", ctx));
    }

    [Theory]
    [InlineData("$$.Execution.Name", "\"run-7\"")]
    [InlineData("$$", "{\"Execution\":{\"Name\":\"run-7\"}}")]
    [InlineData("$total", "3")]
    [InlineData("$cart.items[1].sku", "\"B\"")]
    [InlineData("$cart.items[*].sku", "[\"A\",\"B\"]")]
    public void Evaluate_ContextAndVariables_ResolveTheirRoots(string path, string expected)
    {
        var ctx = Ctx("{}", "{\"Execution\":{\"Name\":\"run-7\"}}", ("total", "3"), ("cart", "{\"items\":[{\"sku\":\"A\"},{\"sku\":\"B\"}]}"));

        AssertJson(expected, JsonPathQuery.Evaluate(path, ctx));
    }

    // Spec "Errors" names this States.ParameterPathFailure; AWS fails with States.Runtime and this cause. We follow AWS.
    [Fact]
    public void Evaluate_MissingDefinitePath_ThrowsStatesRuntimeNamingField()
    {
        var ex = Assert.Throws<StatesException>(() => JsonPathQuery.Evaluate("$.x", Ctx("{\"a\":1}"), "y.$"));

        Assert.Equal(StatesErrors.Runtime, ex.Error);
        Assert.Equal("The JSONPath '$.x' specified for the field 'y.$' could not be found in the input '{\"a\":1}'", ex.Cause);
    }

    [Fact]
    public void Evaluate_MissingPathWithoutField_ThrowsStatesRuntime()
    {
        var ex = Assert.Throws<StatesException>(() => JsonPathQuery.Evaluate("$.a.b", Ctx("{\"a\":1}")));

        Assert.Equal(StatesErrors.Runtime, ex.Error);
        Assert.Contains("'$.a.b'", ex.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_UndefinedVariable_ThrowsStatesRuntime()
    {
        var ex = Assert.Throws<StatesException>(() => JsonPathQuery.Evaluate("$ghost", Ctx("{}"), "v.$"));

        Assert.Equal(StatesErrors.Runtime, ex.Error);
        Assert.Contains("ghost", ex.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_IndefinitePathWithNoMatches_ReturnsEmptyArray()
    {
        AssertJson("[]", JsonPathQuery.Evaluate("$.items[*].missing", Ctx("{\"items\":[{\"a\":1}]}")));
    }

    [Fact]
    public void Evaluate_Result_IsDetachedFromInput()
    {
        var ctx = Ctx("{\"a\":{\"b\":1}}");

        var value = JsonPathQuery.Evaluate("$.a", ctx)!;
        value["b"] = 2;

        AssertJson("{\"a\":{\"b\":1}}", ctx.Input);
        Assert.Null(value.Parent);
    }

    [Theory]
    [InlineData("$.a", true)]
    [InlineData("$.a[0]['b']", true)]
    [InlineData("$..a", false)]
    [InlineData("$.a[*]", false)]
    [InlineData("$.a[0,1]", false)]
    [InlineData("$.a[0:1]", false)]
    [InlineData("$.a[?(@.x)]", false)]
    [InlineData("$..a.length()", true)]
    public void Compile_Definiteness_FollowsJayway(string path, bool definite)
    {
        Assert.Equal(definite, JsonPathQuery.Compile(path).IsDefinite);
    }

    [Theory]
    [InlineData("$.a[?(@.b ==)]")]
    [InlineData("$.a[?(@.b == 1]")]
    [InlineData("$.a[1:2:0]")]
    [InlineData("$.a.unknown()")]
    [InlineData("$.a[?(@.b =~ /[/)]")]
    [InlineData("x")]
    [InlineData("$.a b]")]
    [InlineData("$..")]
    public void IsValid_BadSyntax_ReturnsFalseWithMessage(string path)
    {
        Assert.False(JsonPathQuery.IsValid(path, out var error));
        Assert.Contains(path, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$")]
    [InlineData("$$.Map.Item.Value")]
    [InlineData("$.store.book[?(@.price < 10 && @.category == \"fiction\")]")]
    [InlineData("$..book[-2:]")]
    [InlineData("$myVar.list[0]")]
    public void IsValid_GoodSyntax_ReturnsTrue(string path)
    {
        Assert.True(JsonPathQuery.IsValid(path, out var error), error);
    }

    [Fact]
    public void Compile_SameText_ReturnsCachedInstance()
    {
        Assert.Same(JsonPathQuery.Compile("$.cached[0]"), JsonPathQuery.Compile("$.cached[0]"));
    }
}
