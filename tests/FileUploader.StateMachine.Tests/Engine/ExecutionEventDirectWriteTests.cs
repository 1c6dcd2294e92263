using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.Execution;
using FileUploader.StateMachine.History;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// ExecutionStarted and ExecutionSucceeded are copied straight into the history, and a compact ASCII input's quoted
/// text doubles as the first state's Entered text; these pin them to exactly what the Utf8JsonWriter path writes.
/// </summary>
public sealed class ExecutionEventDirectWriteTests
{
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static TheoryData<string> Inputs() => new()
    {
        """{"order":{"id":"o-1","qty":3,"customer":{"name":"Ada","tier":"gold"}},"meta":{"source":"bench"}}""",
        """{"a":"x y  z","b":[1,-0,1.50,1e5,1E+5,-2.5e-3,12345678901234567890123],"c":true,"d":false,"e":null,"f":{},"g":[]}""",
        """{"html":"<a href='x'>&amp;</a> +`~#%^*|{}[]:;,.?/=!@$"}""",
        """{"dup":1,"dup":2}""",
        """[1,"two",{"three":[]}]""",
        "\"just a string\"",
        "42",
        "null",
        "{}",
        // Escapes: quoted directly, but not taken as the document's rendering (the writer rewrites some of them).
        """{"text":"two words, \"quoted\" and a \\ backslash","u":"\u0041\/\t"}""",
        // Whitespace outside strings: quoted directly, rendered compact.
        "{ \"spaced\" : [1, 2] }",
        // Not printable ASCII: the writer path throughout.
        "{\n  \"pretty\": true\n}",
        "{\"accent\":\"é\",\"emoji\":\"🎉\",\"separator\":\"\u2028\"}",
        "{\"del\":\"\u007f\"}",
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Execution_InputOfAnyShape_StartedEnteredAndSucceededAreTheWriterBytes(string input)
    {
        await using var h = new EngineHarness();
        var done = await h.RunAsync("""{"StartAt":"S","States":{"S":{"Type":"Pass","End":true}}}""", input);

        Assert.Equal("SUCCEEDED", done.Status);
        var history = await h.HistoryAsync(done.ExecutionArn);
        Assert.Equal(["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"], history.Select(e => e.Type));

        var started = DocNode.Parse(history[0].DetailsJson!)!;
        Assert.Equal(
            Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("input", input);
                w.WriteStartObject("inputDetails");
                w.WriteBoolean("truncated", false);
                w.WriteEndObject();
                w.WriteString("roleArn", (string)started["roleArn"]!);
                w.WriteString("stateMachineArn", (string)started["stateMachineArn"]!);
                w.WriteEndObject();
            }),
            history[0].DetailsJson);

        // The document as the history renders a freshly parsed input.
        var rendered = JsonText.Write(DocNode.Parse(input));
        Assert.Equal(Document("name", "S", "input", rendered, "inputDetails"), history[1].DetailsJson);
        Assert.Equal(Document("name", "S", "output", rendered, "outputDetails"), history[2].DetailsJson);
        Assert.Equal(Document(null, null, "output", rendered, "outputDetails"), history[3].DetailsJson);
        Assert.Equal(rendered, done.Output);
    }

    [Fact]
    public void AppendExecutionStarted_EveryPrintableAsciiCharacter_MatchesWriterBytes()
    {
        var printable = new string([.. Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (char)c)]);
        var input = JsonSerializer.Serialize(new { all = printable });
        var roleArn = JsonEncodedText.Encode("arn:aws:iam::123456789012:role/with \"quote\"", JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        var machineArn = JsonEncodedText.Encode("arn:aws:states:us-east-1:123456789012:stateMachine:m", JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        var time = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

        foreach (var text in new[] { input, printable, string.Empty })
        {
            var viaWriter = new HistoryLog();
            var writer = viaWriter.BeginEvent(1, 0, time, JsonEncodedText.Encode("ExecutionStarted"));
            writer.WriteStartObject();
            writer.WriteString("input", text);
            writer.WriteStartObject("inputDetails");
            writer.WriteBoolean("truncated", false);
            writer.WriteEndObject();
            writer.WriteString("roleArn", roleArn);
            writer.WriteString("stateMachineArn", machineArn);
            writer.WriteEndObject();
            viaWriter.EndEvent(writer);

            var direct = new HistoryLog();
            Assert.True(StateEventDetails.TryQuoteInput(text, new object(), node: null, out var quoted));
            direct.AppendExecutionStarted(1, 0, time, quoted, roleArn, machineArn);

            Assert.Equal(Encoding.UTF8.GetString(viaWriter.Written), Encoding.UTF8.GetString(direct.Written));
            Assert.Equal(viaWriter.PackAll(), direct.PackAll());
        }
    }

    [Fact]
    public void TryQuoteInput_TextOutsidePrintableAscii_IsLeftToTheWriter()
    {
        foreach (var text in new[] { "{\"a\":\"é\"}", "{\"a\":\"\t\"}", "\u007f", "{\"a\":\"\ud83c\"}" })
        {
            Assert.False(StateEventDetails.TryQuoteInput(text, new object(), node: null, out _));
        }
    }

    [Fact]
    public void AppendExecutionSucceeded_AfterAnotherEvent_MatchesWriterBytes()
    {
        var time = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
        var output = "\"{\\\"a\\\":\\\"\\\\u00e9 \\\\\\\" <b>\\\"}\""u8.ToArray();

        var viaWriter = new HistoryLog();
        var direct = new HistoryLog();
        foreach (var log in new[] { viaWriter, direct })
        {
            var first = log.BeginEvent(1, 0, time, "ExecutionStarted");
            first.WriteNullValue();
            log.EndEvent(first);
        }

        var writer = viaWriter.BeginEvent(long.MaxValue, -1, DateTimeOffset.MaxValue, "ExecutionSucceeded");
        writer.WriteStartObject();
        writer.WritePropertyName("output");
        writer.WriteRawValue(output, skipInputValidation: true);
        writer.WriteStartObject("outputDetails");
        writer.WriteBoolean("truncated", false);
        writer.WriteEndObject();
        writer.WriteEndObject();
        viaWriter.EndEvent(writer);
        direct.AppendExecutionSucceeded(long.MaxValue, -1, DateTimeOffset.MaxValue, output);

        Assert.Equal(Encoding.UTF8.GetString(viaWriter.Written), Encoding.UTF8.GetString(direct.Written));
        Assert.Equal(2, direct.Count);
        Assert.Equal(viaWriter.PackAll(), direct.PackAll());
    }

    [Theory]
    [InlineData("Each", 0)]
    [InlineData("with \"quotes\", \\, é and 🎉", int.MaxValue)]
    [InlineData("", 17)]
    public void AppendIterationEvent_NamesNeedingEscapes_MatchesWriterBytes(string name, int index)
    {
        var type = JsonEncodedText.Encode("MapIterationStarted");
        var encodedName = JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        var time = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

        var viaWriter = new HistoryLog();
        var direct = new HistoryLog();
        for (var id = 1L; id <= 2; id++)
        {
            var writer = viaWriter.BeginEvent(id, id - 1, time, type);
            writer.WriteStartObject();
            writer.WriteString("name", encodedName);
            writer.WriteNumber("index", index);
            writer.WriteEndObject();
            viaWriter.EndEvent(writer);
            direct.AppendIterationEvent(id, id - 1, time, type, encodedName, index);
        }

        Assert.Equal(Encoding.UTF8.GetString(viaWriter.Written), Encoding.UTF8.GetString(direct.Written));
        Assert.Equal(viaWriter.PackAll(), direct.PackAll());
    }

    private static string Document(string? nameField, string? name, string documentField, string document, string detailsField) => Write(w =>
    {
        w.WriteStartObject();
        if (nameField is not null)
        {
            w.WriteString(nameField, name);
        }

        w.WriteString(documentField, document);
        w.WriteStartObject(detailsField);
        w.WriteBoolean("truncated", false);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Relaxed))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
