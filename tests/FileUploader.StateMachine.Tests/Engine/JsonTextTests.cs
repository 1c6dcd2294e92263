using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.Execution;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// JsonText writes the usual document directly and leaves the rest to Utf8JsonWriter; these pin its text, plain and
/// escaped, whole documents and single members, to exactly what the writer (relaxed encoder, compact) writes.
/// </summary>
public sealed class JsonTextTests
{
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static TheoryData<string> ParsedDocuments() => new()
    {
        """{"order":{"id":"o-1","qty":3,"customer":{"name":"Ada","tier":"gold"}},"meta":{"source":"bench"}}""",
        """{ "spaced" : [ 1 , 2 ] , "text" : "a b" }""",
        """{"n":[0,-0,1.50,1e5,1E+5,-2.5e-3,12345678901234567890123,0.1e-400],"t":true,"f":false,"z":null,"o":{},"a":[]}""",
        """{"html":"<a href='x'>&amp;</a> +`~#%^*|{}[]:;,.?/=!@$","ascii":" !#$%&'()*+,-./0123456789:;<=>?@AZ[]^_`az{|}~"}""",
        """{"escapes":"\"q\" \\ \/ \b\f\n\r\t \u0041 \u00e9 \ud83c\udf89 \u2028 \u007f","k\"ey":1,"k\\ey":2,"\u00e9":3}""",
        """{"raw":"é 🎉 \u2028","del":"\u007f","nbsp":" "}""",
        """{"dup":1,"dup":{"x":[1,2]}}""",
        """[1,"two",{"three":[[],{}]},null]""",
        "\"just a string\"",
        "\"needs \\\"escaping\\\"\"",
        "-12.5e+3",
        "true",
        "{}",
    };

    [Theory]
    [MemberData(nameof(ParsedDocuments))]
    public void WriteUtf8_ParsedDocument_MatchesWriterBytes(string json)
    {
        // As the input arrives (nothing read yet), and once every object and array in it has been read.
        AssertMatchesWriter(DocNode.Parse(json));
        var read = DocNode.Parse(json);
        if (!json.Contains("dup", StringComparison.Ordinal))
        {
            Touch(read);
        }

        AssertMatchesWriter(read);
    }

    [Fact]
    public void WriteUtf8_BuiltValuesOfEveryKind_MatchWriterBytes()
    {
        var node = new DocObject
        {
            ["plain"] = "o-1",
            ["quote\"name"] = "say \"hi\" \\ there",
            ["é"] = "é 🎉 \u2028 \u0001 \t",
            ["<html>"] = "<b>&amp;</b> + ' `",
            ["empty"] = string.Empty,
            ["int"] = 3,
            ["long"] = long.MinValue,
            ["double"] = 1.5,
            ["doubleWhole"] = 2.0,
            ["doubleTiny"] = double.Epsilon,
            ["decimal"] = 1.50m,
            ["bool"] = true,
            ["quote"] = "\"",
            ["guid"] = Guid.Empty.ToString(),
            ["date"] = "2026-12-07T08:00:00+01:00",
            ["parsedNumber"] = DocNode.Parse("1.50"),
            ["parsedEscapedString"] = DocNode.Parse("\"a \\\"b\\\"\""),
            ["null"] = null,
            ["array"] = new DocArray(1, "two", null, new DocObject { ["x"] = DocNode.Parse("""{"y":"z é"}""") }),
        };

        AssertMatchesWriter(node);
        foreach (var (name, value) in node)
        {
            AssertMemberMatchesWriter(name, value?.DeepClone());
        }
    }

    [Fact]
    public void WriteUtf8_DeepDocuments_MatchWriterBytesOrError()
    {
        foreach (var depth in new[] { 63, 64, 65, 200, 999, 1000, 1001 })
        {
            DocNode node = new DocArray();
            for (var i = 1; i < depth; i++)
            {
                node = i % 2 == 0 ? new DocArray(node) : new DocObject { ["k"] = node };
            }

            AssertMatchesWriter(node);
            AssertMemberMatchesWriter("m", node);
        }
    }

    [Fact]
    public void WriteUtf8_InputObjectRepeatingAName_IsWrittenAsTheInputHasIt()
    {
        var node = DocNode.Parse("""{ "dup": 1, "dup": 2 }""");

        Assert.Equal("""{"dup":1,"dup":2}""", Encoding.UTF8.GetString(JsonText.WriteUtf8(node)));
    }

    private static void Touch(DocNode? node)
    {
        switch (node)
        {
            case DocObject obj:
                foreach (var (_, value) in obj)
                {
                    Touch(value);
                }

                break;
            case DocArray array:
                foreach (var item in array)
                {
                    Touch(item);
                }

                break;
        }
    }

    private static void AssertMatchesWriter(DocNode? node)
    {
        var expected = Reference(w => Write(w, node));
        AssertSame(expected, () => JsonText.WriteUtf8(node).ToArray(), () => JsonText.WriteUtf8(node, escaped: true).ToArray());
    }

    private static void AssertMemberMatchesWriter(string name, DocNode? value)
    {
        var expected = Reference(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName(name);
            Write(w, value);
            w.WriteEndObject();
        });
        if (expected.Text is { } text)
        {
            expected = (text[1..^1], null);
        }

        AssertSame(expected, () => JsonText.WriteMemberUtf8(name, value).ToArray(), () => JsonText.WriteMemberUtf8(name, value, escaped: true).ToArray());
    }

    private static void AssertSame((byte[]? Text, Type? Error) expected, Func<byte[]> plain, Func<byte[]> escaped)
    {
        if (expected.Error is { } error)
        {
            Assert.Equal(error, Record.Exception(plain)?.GetType());
            Assert.Equal(error, Record.Exception(escaped)?.GetType());
            return;
        }

        Assert.Equal(Encoding.UTF8.GetString(expected.Text!), Encoding.UTF8.GetString(plain()));
        var quoted = Reference(w => w.WriteStringValue(expected.Text!)).Text!;
        Assert.Equal(Encoding.UTF8.GetString(quoted[1..^1]), Encoding.UTF8.GetString(escaped()));
    }

    private static void Write(Utf8JsonWriter writer, DocNode? node)
    {
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer);
        }
    }

    private static (byte[]? Text, Type? Error) Reference(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, Relaxed))
            {
                write(writer);
            }

            return (buffer.WrittenSpan.ToArray(), null);
        }
        catch (Exception ex)
        {
            return (null, ex.GetType());
        }
    }
}
