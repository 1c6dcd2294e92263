using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Documents;

namespace FileUploader.StateMachine.Tests.Documents;

/// <summary>
/// The document tree reads and writes JSON as System.Text.Json's nodes did before it replaced them in the engine:
/// the same texts accepted and rejected, the same bytes written back, numbers read the same way.
/// </summary>
public sealed class DocParserTests
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string> Documents() => new()
    {
        "{}",
        "[]",
        "null",
        "true",
        "0",
        "-0",
        "1.50",
        "1e5",
        "-2.5E-3",
        "12345678901234567890123",
        "\"just a string\"",
        """{"order":{"id":"o-1","qty":3,"customer":{"name":"Ada","tier":"gold"}},"meta":{"source":"bench"}}""",
        """{"a":"x y  z","b":[1,-0,1.50,1e5,1E+5,-2.5e-3],"c":true,"d":false,"e":null,"f":{},"g":[]}""",
        """{"html":"<a href='x'>&amp;</a> +`~#%^*|{}[]:;,.?/=!@$"}""",
        """{"text":"two words, \"quoted\" and a \\ backslash","u":"\u0041\/\t"}""",
        "{\"accent\":\"é\",\"emoji\":\"🎉\",\"separator\":\"\u2028\",\"del\":\"\u007f\"}",
        "{ \"spaced\" : [ 1 , 2 ] ,\n \"nested\" : { \"deep\" : [ [ [ ] ] ] } }",
        """{"n\u00e4me":{"\"quoted\"":1}}""",
    };

    public static TheoryData<string> Invalid() => new()
    {
        "",
        "   ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{'a':1}",
        "[1] [2]",
        "{} x",
        "01",
        "1.",
        "NaN",
        "\"unterminated",
        "\"bad escape \\x\"",
        "// comment\n{}",
        "[" + new string('[', 64) + new string(']', 64) + "]",
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void Parse_ThenWrite_GivesWhatSystemTextJsonWrites(string json)
    {
        var expected = JsonNode.Parse(json);
        var parsed = DocNode.Parse(json);

        Assert.Equal(expected?.ToJsonString() ?? "null", parsed?.ToJsonString() ?? "null");
        Assert.Equal(expected?.ToJsonString(Relaxed) ?? "null", parsed?.ToJsonString(Relaxed) ?? "null");
        Assert.Equal(expected?.GetValueKind() ?? JsonValueKind.Null, parsed?.GetValueKind() ?? JsonValueKind.Null);
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Parse_FromUtf8_IsTheSameDocumentAsFromText(string json)
    {
        var fromText = DocNode.Parse(json);
        var fromUtf8 = DocNode.Parse(Encoding.UTF8.GetBytes(json));

        Assert.True(DocNode.DeepEquals(fromText, fromUtf8));
        Assert.Equal(fromText?.ToJsonString(), fromUtf8?.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_InvalidJson_ThrowsJsonExceptionAsSystemTextJsonDoes(string json)
    {
        Assert.ThrowsAny<JsonException>(() => JsonNode.Parse(json));
        Assert.ThrowsAny<JsonException>(() => DocNode.Parse(json));
    }

    [Fact]
    public void Parse_NestingOf64_IsAccepted()
    {
        var json = new string('[', 64) + new string(']', 64);

        Assert.Equal(json, DocNode.Parse(json)!.ToJsonString());
    }

    [Fact]
    public void Parse_LongText_BeyondTheStackBuffer_IsRead()
    {
        var items = Enumerable.Range(0, 5_000).Select(i => $"\"item-{i}-é\"");
        var json = "[" + string.Join(",", items) + "]";

        var parsed = DocNode.Parse(json)!.AsArray();

        Assert.Equal(5_000, parsed.Count);
        Assert.Equal("item-4999-é", parsed[4999]!.GetValue<string>());
        Assert.Equal(JsonNode.Parse(json)!.ToJsonString(Relaxed), parsed.ToJsonString(Relaxed));
    }

    [Fact]
    public void Parse_ObjectRepeatingAName_KeepsBothMembersAndLookupsSeeTheLast()
    {
        var parsed = DocNode.Parse("""{ "dup": 1, "other": true, "dup": 2 }""")!.AsObject();

        Assert.Equal("""{"dup":1,"other":true,"dup":2}""", parsed.ToJsonString());
        Assert.Equal(3, parsed.Count);
        Assert.Equal(2, parsed["dup"]!.GetValue<int>());

        parsed["dup"] = "changed";
        Assert.Equal("""{"dup":1,"other":true,"dup":"changed"}""", parsed.ToJsonString());
    }

    [Theory]
    [InlineData("1.50", 1.5, "1.50")]
    [InlineData("-0", 0.0, "0")]
    [InlineData("1e5", 100000.0, "100000")]
    [InlineData("-2.5E-3", -0.0025, "-0.0025")]
    [InlineData("123456789012345678901234567", 1.2345678901234568E+26, "123456789012345678901234567")]
    public void Number_ReadsAsJsonElementReadsIt(string json, double asDouble, string asDecimal)
    {
        var parsed = DocNode.Parse(json)!.AsValue();
        var element = JsonDocument.Parse(json).RootElement;

        Assert.True(parsed.TryGetDouble(out var d));
        Assert.Equal(asDouble, d);
        Assert.Equal(element.GetDouble(), d);
        Assert.True(parsed.TryGetDecimal(out var m));
        Assert.Equal(decimal.Parse(asDecimal, System.Globalization.CultureInfo.InvariantCulture), m);
        Assert.Equal(element.GetDecimal(), m);
        Assert.Equal(json, parsed.NumberText);
    }

    [Fact]
    public void Number_BeyondDoubleAndDecimal_IsKeptAsText_ReadAsAnInfinityAndNoDecimal()
    {
        var parsed = DocNode.Parse("-1e400")!.AsValue();
        var element = JsonDocument.Parse("-1e400").RootElement;

        Assert.True(parsed.TryGetDouble(out var d));
        Assert.Equal(double.NegativeInfinity, d);
        Assert.True(element.TryGetDouble(out var fromElement));
        Assert.Equal(fromElement, d);
        Assert.False(parsed.TryGetDecimal(out _));
        Assert.False(element.TryGetDecimal(out _));
        Assert.Equal("-1e400", parsed.ToJsonString());
    }

    [Theory]
    [InlineData("3", true, 3)]
    [InlineData("3.0", false, 0)]
    [InlineData("2147483648", false, 0)]
    [InlineData("\"3\"", false, 0)]
    public void TryGetValue_Int_OnlyForAnIntegerNumberThatFits(string json, bool expected, int value)
    {
        var parsed = DocNode.Parse(json)!.AsValue();

        Assert.Equal(expected, parsed.TryGetValue<int>(out var read));
        Assert.Equal(value, read);
    }

    [Theory]
    [InlineData("2147483648", true, 2147483648L)]
    [InlineData("-9223372036854775808", true, long.MinValue)]
    [InlineData("9223372036854775808", false, 0L)]
    [InlineData("1e3", false, 0L)]
    public void TryGetValue_Long_AsJsonElementReadsIt(string json, bool expected, long value)
    {
        var parsed = DocNode.Parse(json)!.AsValue();

        Assert.Equal(expected, parsed.TryGetValue<long>(out var read));
        Assert.Equal(value, read);
        Assert.Equal(JsonDocument.Parse(json).RootElement.TryGetInt64(out var fromElement), expected);
        Assert.Equal(fromElement, read);
    }

    [Fact]
    public void Create_DotNetNumbers_AreWrittenAsSystemTextJsonWritesThem()
    {
        double[] doubles = [0.1 + 0.2, 1e21, 1e-7, 2.0, double.Epsilon, -1.5];
        foreach (var value in doubles)
        {
            Assert.Equal(JsonValue.Create(value).ToJsonString(), DocValue.Create(value).ToJsonString());
        }

        Assert.Equal(JsonValue.Create(1.50m).ToJsonString(), DocValue.Create(1.50m).ToJsonString());
        Assert.Equal(JsonValue.Create(long.MinValue).ToJsonString(), DocValue.Create(long.MinValue).ToJsonString());
        Assert.Throws<ArgumentOutOfRangeException>(() => DocValue.Create(double.NaN));
    }

    [Fact]
    public void ToString_IsAStringsTextOrIndentedJson()
    {
        Assert.Equal("plain \"text\"", DocValue.Create("plain \"text\"").ToString());
        Assert.Equal(JsonNode.Parse("""{"a":[1,2]}""")!.ToString(), DocNode.Parse("""{"a":[1,2]}""")!.ToString());
    }

    [Fact]
    public void FromJsonNodeAndBack_KeepsTheDocument()
    {
        var json = """{"text":"é <b>","n":1.50,"list":[true,null,{"x":"y"}]}""";

        var doc = DocNode.FromJsonNode(JsonNode.Parse(json));
        var back = DocNode.ToJsonNode(doc);

        Assert.Equal(JsonNode.Parse(json)!.ToJsonString(Relaxed), doc!.ToJsonString(Relaxed));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), back));
        Assert.Null(DocNode.FromJsonNode(null));
        Assert.Null(DocNode.ToJsonNode(null));
    }

    [Theory]
    [MemberData(nameof(Documents))]
    [MemberData(nameof(Invalid))]
    [MemberData(nameof(SimplePathEdges))]
    public void SimplePath_AcceptsOnlyWhatTheReaderAccepts_AndBuildsTheSameTree(string json) => AssertSimplePathAgreesWithReader(json);

    [Fact]
    public void SimplePath_AgreesWithTheReader_OnGeneratedAndMutatedDocuments()
    {
        // Seeded, so a failure names a document that can be replayed.
        var random = new Random(20261207);
        var simple = 0;
        for (var i = 0; i < 3_000; i++)
        {
            var json = GenerateDocument(random, depth: 0);
            if (i % 2 == 1)
            {
                json = Mutate(random, json);
            }

            simple += AssertSimplePathAgreesWithReader(json) ? 1 : 0;
        }

        // Both outcomes were exercised: plenty of documents took the simple path, plenty did not.
        Assert.InRange(simple, 500, 2_500);
    }

    public static TheoryData<string> SimplePathEdges() => new()
    {
        "-", "-0", "-01", "0.", ".5", "1e", "1e+", "1E-0", "2.50e+10", "tru", "nul", "falsey", "[1,,2]", "[,]", "{\"a\":}",
        "{\"a\" : 1 , \"b\" : [ ] }", " \t\r\n[1]\n", "\"\u007f\"", "\"tab\there\"", "\"\ud83c\udf89\"",
        "\"\ud800\"", "\"\\u00e9\"", "\uFEFF{}", "{\"a\":1}}", "[\"x\"]]", "{\"a\":1,\"a\":2}",
        new string('{', 1) + "\"a\":" + new string('[', 63) + new string(']', 63) + "}",
        "{\"a\":" + new string('[', 64) + new string(']', 64) + "}",
    };

    /// <summary>True when the simple path took the document.</summary>
    private static bool AssertSimplePathAgreesWithReader(string json)
    {
        DocNode? fromReader = null;
        Exception? readerError = null;
        try
        {
            fromReader = DocParser.ParseAsUtf8(json);
        }
        catch (JsonException ex)
        {
            readerError = ex;
        }

        if (!DocParser.TryParseSimple(json, out var fromSimple))
        {
            return false;
        }

        Assert.True(readerError is null, $"The simple path accepted what the reader rejects: {json}");
        Assert.True(DocNode.DeepEquals(fromReader, fromSimple), json);
        Assert.Equal(fromReader?.ToJsonString(Relaxed) ?? "null", fromSimple?.ToJsonString(Relaxed) ?? "null");
        Assert.Equal(fromReader?.ToJsonString() ?? "null", fromSimple?.ToJsonString() ?? "null");
        return true;
    }

    private static readonly string[] Strings = ["", "plain", "two words", "é", "🎉", "\u2028", "tab\t", "quote\\\"", "back\\\\slash", "\\u0041", "\ud800", "\u001f", "\u007f"];

    private static readonly string[] Numbers = ["0", "-0", "1", "-12", "1.50", "1e5", "1E+5", "-2.5e-3", "12345678901234567890123", "01", "1.", "+1", ".5", "1e"];

    private static string GenerateDocument(Random random, int depth)
    {
        var spaces = new[] { "", "", "", " ", "\n  ", "\t" };
        string Space() => spaces[random.Next(spaces.Length)];
        switch (depth > 4 ? random.Next(4) : random.Next(6))
        {
            case 0:
                return "\"" + Strings[random.Next(Strings.Length)] + "\"";
            case 1:
                return Numbers[random.Next(Numbers.Length)];
            case 2:
                return new[] { "true", "false", "null" }[random.Next(3)];
            case 3:
                return random.Next(2) == 0 ? "{}" : "[]";
            case 4:
                var items = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Space() + GenerateDocument(random, depth + 1) + Space());
                return "[" + string.Join(",", items) + "]";
            default:
                var members = Enumerable.Range(0, random.Next(1, 5))
                    .Select(_ => Space() + "\"" + Strings[random.Next(Strings.Length)] + "\"" + Space() + ":" + GenerateDocument(random, depth + 1));
                return "{" + string.Join(",", members) + Space() + "}";
        }
    }

    private static string Mutate(Random random, string json)
    {
        const string Pieces = "{}[],:\"\\ -+.eE0123456789tfnu\u00e9\ud800";
        var at = random.Next(json.Length + 1);
        return random.Next(3) switch
        {
            0 when at < json.Length => json.Remove(at, 1),
            1 => json.Insert(at, Pieces[random.Next(Pieces.Length)].ToString()),
            _ => at < json.Length ? json.Remove(at, 1).Insert(at, Pieces[random.Next(Pieces.Length)].ToString()) : json + "x",
        };
    }
}
