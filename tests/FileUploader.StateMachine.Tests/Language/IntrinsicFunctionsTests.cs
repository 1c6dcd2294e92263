using FileUploader.StateMachine.Documents;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Language;
using static FileUploader.StateMachine.Tests.Language.LanguageTestData;

namespace FileUploader.StateMachine.Tests.Language;

// Spec "Intrinsic Functions" and the AWS developer guide "Intrinsic functions for JSONPath states".
public sealed class IntrinsicFunctionsTests
{
    private static readonly PathContext Input = Ctx("""
        {
          "name": "Ada", "count": 3, "flag": true, "nothing": null, "price": 1.5,
          "list": [1, 2, 2, "a", {"k": 1}, {"k": 1}],
          "numbers": [1, 2, 3, 4, 5, 6, 7, 8, 9],
          "obj1": {"a": 1, "b": {"x": 1}}, "obj2": {"b": {"y": 2}, "c": 3},
          "csv": "1,2,3,4,5", "sentence": "This.is+a,test=string", "splitter": ".+,=",
          "template": "Hello {} and {}", "json": "{\"n\":[1,2]}", "data": "input data"
        }
        """, "{\"Execution\":{\"Id\":\"arn:exec\"}}", ("greeting", "\"hi\""));

    [Theory]
    [InlineData("States.Format('Hello, my name is {}.', $.name)", "\"Hello, my name is Ada.\"")]
    [InlineData("States.Format('{} + {} = {}', 1, $.count, $.flag)", "\"1 + 3 = true\"")]
    [InlineData("States.Format('{}|{}', $.nothing, $.price)", "\"null|1.5\"")]
    [InlineData("States.Format('no placeholders')", "\"no placeholders\"")]
    [InlineData("States.Format('literal \\{\\} and {}', 'x')", "\"literal {} and x\"")]
    [InlineData("States.Format('it\\'s {}', $$.Execution.Id)", "\"it's arn:exec\"")]
    [InlineData("States.Format('back\\\\slash {}', $greeting)", "\"back\\\\slash hi\"")]
    [InlineData("States.Format($.template, 'x', 'y')", "\"Hello x and y\"")]
    public void Evaluate_Format_ReplacesPlaceholdersInOrder(string expr, string expected)
    {
        AssertJson(expected, IntrinsicFunctions.Evaluate(expr, Input));
    }

    // The AWS runtime is Java: objects and arrays print like Java's Map/List toString (LocalStack's parity tests
    // against AWS record the same), not as JSON.
    [Theory]
    [InlineData("States.Format('{}', $.obj1)", "\"{a=1, b={x=1}}\"")]
    [InlineData("States.Format('list: {}', $.list)", "\"list: [1, 2, 2, a, {k=1}, {k=1}]\"")]
    [InlineData("States.Format('{}', States.Array())", "\"[]\"")]
    public void Evaluate_FormatWithObjectOrArray_PrintsJavaStyle(string expr, string expected)
    {
        AssertJson(expected, IntrinsicFunctions.Evaluate(expr, Input));
    }

    [Fact]
    public void Evaluate_FormatTemplateFromPathWithWrongArgumentCount_ThrowsIntrinsicFailure()
    {
        var ex = Assert.Throws<StatesException>(() => IntrinsicFunctions.Evaluate("States.Format($.template, 'x')", Input));

        Assert.Equal(StatesErrors.IntrinsicFailure, ex.Error);
    }

    [Theory]
    [InlineData("States.StringToJson($.json)", "{\"n\":[1,2]}")]
    [InlineData("States.StringToJson('[1, true]')", "[1,true]")]
    [InlineData("States.JsonToString($.obj1)", "\"{\\\"a\\\":1,\\\"b\\\":{\\\"x\\\":1}}\"")]
    [InlineData("States.JsonToString('a<b')", "\"\\\"a<b\\\"\"")]
    [InlineData("States.Array()", "[]")]
    [InlineData("States.Array(1, 'two', $.flag, null, $.obj2.c)", "[1,\"two\",true,null,3]")]
    [InlineData("States.ArrayPartition($.numbers, 4)", "[[1,2,3,4],[5,6,7,8],[9]]")]
    [InlineData("States.ArrayContains($.list, 'a')", "true")]
    [InlineData("States.ArrayContains($.list, $.obj2.c)", "false")]
    [InlineData("States.ArrayContains($.list, States.StringToJson('{\"k\":1.0}'))", "true")]
    [InlineData("States.ArrayRange(1, 9, 2)", "[1,3,5,7,9]")]
    [InlineData("States.ArrayRange(0, 10, 3)", "[0,3,6,9]")]
    [InlineData("States.ArrayRange(5, 1, -2)", "[5,3,1]")]
    [InlineData("States.ArrayRange(5, 1, 1)", "[]")]
    [InlineData("States.ArrayRange(4, 4, 1)", "[4]")]
    [InlineData("States.ArrayGetItem($.numbers, 5)", "6")]
    [InlineData("States.ArrayLength($.numbers)", "9")]
    [InlineData("States.ArrayUnique($.list)", "[1,2,\"a\",{\"k\":1}]")]
    [InlineData("States.Base64Encode('Data to encode')", "\"RGF0YSB0byBlbmNvZGU=\"")]
    [InlineData("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "\"Data to encode\"")]
    [InlineData("States.Hash($.data, 'MD5')", "\"812f45842bc6d66ee14572ce20db8e86\"")]
    // MD5 of "input data" is the example in the AWS guide; the SHA digests were computed with Python hashlib.
    [InlineData("States.Hash($.data, 'SHA-256')", "\"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3\"")]
    [InlineData("States.Hash($.data, 'SHA-1')", "\"aaff4a450a104cd177d28d18d74485e8cae074b7\"")]
    [InlineData("States.JsonMerge($.obj1, $.obj2, false)", "{\"a\":1,\"b\":{\"y\":2},\"c\":3}")]
    [InlineData("States.MathAdd(111, -1)", "110")]
    [InlineData("States.MathAdd($.count, 2.0)", "5")]
    [InlineData("States.MathAdd($.price, 1)", "3")] // AWS rounds non-integer arguments (1.5 -> 2), halves up like Java
    [InlineData("States.MathAdd(-1.5, 0)", "-1")]
    [InlineData("States.MathAdd(2.4, 0)", "2")]
    [InlineData("States.ArrayRange(1.5, 5, 1)", "[2,3,4,5]")]
    [InlineData("States.ArrayPartition(States.Array(1, 2, 3), 1.6)", "[[1,2],[3]]")]
    [InlineData("States.StringSplit($.csv, ',')", "[\"1\",\"2\",\"3\",\"4\",\"5\"]")]
    [InlineData("States.StringSplit($.sentence, $.splitter)", "[\"This\",\"is\",\"a\",\"test\",\"string\"]")]
    [InlineData("States.ArrayLength(States.StringSplit(States.Format('{}-{}', 'a', 'b'), '-'))", "2")]
    public void Evaluate_Function_ReturnsAwsResult(string expr, string expected)
    {
        AssertJson(expected, IntrinsicFunctions.Evaluate(expr, Input));
    }

    [Theory]
    [InlineData("SHA-384", 96)]
    [InlineData("SHA-512", 128)]
    public void Evaluate_HashLongAlgorithms_ReturnLowercaseHexOfRightLength(string algorithm, int length)
    {
        var digest = IntrinsicFunctions.Evaluate($"States.Hash('x', '{algorithm}')", Input)!.GetValue<string>();

        Assert.Equal(length, digest.Length);
        Assert.Equal(digest.ToLowerInvariant(), digest);
    }

    [Fact]
    public void Evaluate_Uuid_ReturnsVersion4Uuid()
    {
        var first = IntrinsicFunctions.Evaluate("States.UUID()", Input)!.GetValue<string>();
        var second = IntrinsicFunctions.Evaluate("States.UUID()", Input)!.GetValue<string>();

        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", first);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Evaluate_MathRandom_StaysWithinStartInclusiveEndExclusive()
    {
        var seen = new HashSet<long>();
        for (var i = 0; i < 200; i++)
        {
            seen.Add(IntrinsicFunctions.Evaluate("States.MathRandom(1, 4)", Input)!.GetValue<long>());
        }

        Assert.Subset(new HashSet<long> { 1, 2, 3 }, seen);
    }

    [Fact]
    public void Evaluate_MathRandomWithSeed_IsRepeatable()
    {
        var first = IntrinsicFunctions.Evaluate("States.MathRandom(0, 1000000, 1234)", Input)!.GetValue<long>();
        var second = IntrinsicFunctions.Evaluate("States.MathRandom(0, 1000000, 1234)", Input)!.GetValue<long>();

        Assert.Equal(first, second);
        Assert.InRange(first, 0, 999_999);
    }

    [Fact]
    public void Evaluate_ArrayRangeOverThousandItems_ThrowsIntrinsicFailure()
    {
        AssertJson("1000", IntrinsicFunctions.Evaluate("States.ArrayLength(States.ArrayRange(1, 1000, 1))", Input));

        var ex = Assert.Throws<StatesException>(() => IntrinsicFunctions.Evaluate("States.ArrayRange(0, 1000, 1)", Input));
        Assert.Equal(StatesErrors.IntrinsicFailure, ex.Error);
        Assert.Contains("1000", ex.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_InputOverTenThousandCharacters_ThrowsIntrinsicFailure()
    {
        var ctx = Ctx($"{{\"big\":\"{new string('a', 10_001)}\",\"ok\":\"{new string('a', 10_000)}\"}}");

        Assert.NotNull(IntrinsicFunctions.Evaluate("States.Hash($.ok, 'SHA-1')", ctx));
        foreach (var expr in new[] { "States.Hash($.big, 'SHA-1')", "States.Base64Encode($.big)", "States.Base64Decode($.big)" })
        {
            var ex = Assert.Throws<StatesException>(() => IntrinsicFunctions.Evaluate(expr, ctx));
            Assert.Equal(StatesErrors.IntrinsicFailure, ex.Error);
        }
    }

    [Theory]
    [InlineData("States.MathAdd($.name, 1)")]
    [InlineData("States.MathAdd(2147483648, 1)")]
    [InlineData("States.ArrayPartition($.numbers, 0)")]
    [InlineData("States.ArrayPartition($.name, 2)")]
    [InlineData("States.ArrayRange(1, 5, 0)")]
    [InlineData("States.ArrayRange(1, 5, 0.2)")]
    [InlineData("States.ArrayGetItem($.numbers, 9)")]
    [InlineData("States.ArrayGetItem($.numbers, -1)")]
    [InlineData("States.ArrayLength($.obj1)")]
    [InlineData("States.StringToJson('{not json')")]
    [InlineData("States.StringToJson($.count)")]
    [InlineData("States.Base64Decode('%%%')")]
    [InlineData("States.Hash($.data, $.name)")]
    [InlineData("States.JsonMerge($.obj1, $.list, false)")]
    [InlineData("States.JsonMerge($.obj1, $.obj2, $.flag)")]
    [InlineData("States.MathRandom(5, 5)")]
    [InlineData("States.StringSplit($.count, ',')")]
    public void Evaluate_BadArgumentAtRuntime_ThrowsIntrinsicFailure(string expr)
    {
        var ex = Assert.Throws<StatesException>(() => IntrinsicFunctions.Evaluate(expr, Input));

        Assert.Equal(StatesErrors.IntrinsicFailure, ex.Error);
        Assert.StartsWith("Invalid arguments in States.", ex.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_MissingPathArgument_ThrowsStatesRuntimeNamingField()
    {
        var ex = Assert.Throws<StatesException>(() => IntrinsicFunctions.Evaluate("States.Array($.nope)", Input, "ids.$"));

        Assert.Equal(StatesErrors.Runtime, ex.Error);
        Assert.Contains("'$.nope'", ex.Cause, StringComparison.Ordinal);
        Assert.Contains("'ids.$'", ex.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ArrayOfInputNodes_DoesNotMoveThemOutOfInput()
    {
        var result = IntrinsicFunctions.Evaluate("States.Array($.obj1, $.obj1)", Input);

        AssertJson("[{\"a\":1,\"b\":{\"x\":1}},{\"a\":1,\"b\":{\"x\":1}}]", result);
        Assert.NotNull(Input.Input!["obj1"]);
    }

    [Theory]
    [InlineData("States.Format('x')", true)]
    [InlineData("  States.UUID()", true)]
    [InlineData("$.a", false)]
    [InlineData("States", false)]
    [InlineData("states.Format('x')", false)]
    public void IsIntrinsic_Text_DetectsStatesPrefix(string expr, bool expected)
    {
        Assert.Equal(expected, IntrinsicFunctions.IsIntrinsic(expr));
    }

    [Theory]
    [InlineData("States.Nope(1)", "unknown intrinsic function 'States.Nope'")]
    [InlineData("States.UUID(1)", "takes no arguments")]
    [InlineData("States.ArrayRange(1, 2)", "takes exactly 3")]
    [InlineData("States.MathRandom(1)", "takes 2 to 3")]
    [InlineData("States.Format()", "takes at least 1")]
    [InlineData("States.Format('{} {}', 1)", "placeholder")]
    [InlineData("States.Format(1)", "must be a string")]
    [InlineData("States.Hash('x', 'SHA-257')", "unsupported hash algorithm")]
    [InlineData("States.JsonMerge($.a, $.b, true)", "shallow")]
    [InlineData("States.Array('unterminated)", "unterminated string")]
    [InlineData("States.Array(1 2)", "expected ',' or ')'")]
    [InlineData("States.Array(1", "missing ')'")]
    [InlineData("States.Array(1) x", "after the closing")]
    [InlineData("States.Array($..)", "Invalid JSONPath")]
    [InlineData("States.Array(foo)", "unexpected 'f'")]
    [InlineData("States.Array(1.2.3)", "invalid number")]
    public void IsValid_BadInvocation_ReturnsFalseWithReason(string expr, string reason)
    {
        Assert.False(IntrinsicFunctions.IsValid(expr, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void IsValid_NestingBeyondTen_ReturnsFalse()
    {
        // AWS: "You can nest up to 10 intrinsic functions within a field".
        var ten = "1";
        for (var i = 0; i < 10; i++)
        {
            ten = $"States.Array({ten})";
        }

        Assert.True(IntrinsicFunctions.IsValid(ten, out var error), error);
        Assert.False(IntrinsicFunctions.IsValid($"States.Array({ten})", out error));
        Assert.Contains("nested", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("States.Format('{}', $.store.book[?(@.price < 10)].title)")]
    [InlineData("States.Array($['a,b'], $.x[0])")]
    [InlineData("States.ArrayLength($.items.length())")]
    [InlineData("States.Array( 1 , -2.5e3 , true , false , null , $$.Execution.Id , $var.x )")]
    public void IsValid_ComplexArguments_Parse(string expr)
    {
        Assert.True(IntrinsicFunctions.IsValid(expr, out var error), error);
    }

    [Fact]
    public void Evaluate_PathArgumentWithCommaInBrackets_ReadsWholePath()
    {
        var ctx = Ctx("{\"a,b\":5}");

        AssertJson("[5]", IntrinsicFunctions.Evaluate("States.Array($['a,b'])", ctx));
    }

    [Fact]
    public void Compile_SameText_ReturnsCachedInstance()
    {
        Assert.Same(IntrinsicFunctions.Compile("States.Array(1)"), IntrinsicFunctions.Compile("States.Array(1)"));
    }

    [Fact]
    public void Evaluate_Result_IsFreshNode()
    {
        var result = IntrinsicFunctions.Evaluate("States.ArrayGetItem($.list, 4)", Input);

        Assert.Null(result!.Parent);
        var holder = new DocObject { ["x"] = result };
        Assert.Same(holder, result.Parent);
    }
}
