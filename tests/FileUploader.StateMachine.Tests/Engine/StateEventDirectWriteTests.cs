using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// HistoryLog.AppendStateEvent copies a state event's bytes straight into the history; these pin it to exactly what
/// the Utf8JsonWriter path (BeginEvent, StateEventDetails.Write, EndEvent) writes for the same events.
/// </summary>
public sealed class StateEventDirectWriteTests
{
    public static TheoryData<string> Names() => new()
    {
        "Plain",
        "with \"quotes\" and \\ backslash",
        "accent é and emoji 🎉",
        "line\u2028separator\u2029paragraph",
        "control \u0001\t\n\u001f chars",
        "<html> & 'apostrophe' +",
        string.Empty,
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void AppendStateEvent_NameAndDocumentNeedingEscapes_MatchesWriterBytes(string name)
    {
        var viaWriter = WriteSequence(name, direct: false);
        var direct = WriteSequence(name, direct: true);

        Assert.Equal(Encoding.UTF8.GetString(viaWriter), Encoding.UTF8.GetString(direct));
        Assert.Equal(viaWriter, direct);
    }

    [Fact]
    public void AppendStateEvent_ExtremeNumbers_MatchesWriterBytes()
    {
        var type = JsonEncodedText.Encode("PassStateExited");
        var name = JsonEncodedText.Encode("S", JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        var document = "\"{\\\"a\\\":1}\""u8.ToArray();

        var viaWriter = new HistoryLog();
        var direct = new HistoryLog();
        foreach (var (id, previous, time) in new[] { (1L, 0L, DateTimeOffset.MinValue), (long.MaxValue, long.MaxValue - 1, DateTimeOffset.MaxValue), (10L, -1L, DateTimeOffset.UnixEpoch) })
        {
            var writer = viaWriter.BeginEvent(id, previous, time, type);
            writer.WriteStartObject();
            writer.WriteString("name"u8, name);
            writer.WritePropertyName("output"u8);
            writer.WriteRawValue(document, skipInputValidation: true);
            writer.WriteStartObject("outputDetails"u8);
            writer.WriteBoolean("truncated"u8, false);
            writer.WriteEndObject();
            writer.WriteEndObject();
            viaWriter.EndEvent(writer);

            direct.AppendStateEvent(id, previous, time, type, name, isInput: false, document, referencedEventId: 0);
        }

        Assert.Equal(Encoding.UTF8.GetString(viaWriter.Written), Encoding.UTF8.GetString(direct.Written));
        Assert.Equal(3, direct.Count);
        Assert.Equal(viaWriter.PackAll(), direct.PackAll());
    }

    [Fact]
    public void AppendStateEvent_EnteredAfterExited_WritesReferenceThatUnpacksToTheDocument()
    {
        var bytes = WriteSequence("S", direct: true);

        var events = new List<HistoryEvent>();
        HistoryEventPacking.Unpack((byte[])[.. "["u8, .. bytes, .. "]"u8], events);

        Assert.Equal(3, events.Count);
        Assert.Equal("PassStateEntered", events[2].Type);
        var details = DocNode.Parse(events[2].DetailsJson!)!;
        Assert.Equal("S", (string?)details["name"]);
        Assert.Equal(DocNode.Parse(events[1].DetailsJson!)!["output"]!.GetValue<string>(), (string?)details["input"]);
        Assert.Contains("\"é\\u2028", (string?)details["input"], StringComparison.Ordinal);
    }

    /// <summary>
    /// Entered (document rendered), Exited (a new document), the next Entered (a reference to that Exited event): the
    /// three shapes of a hot state event, written one way or the other, each run with owners of its own so the thread's
    /// remembered document never carries over between the two.
    /// </summary>
    private static byte[] WriteSequence(string name, bool direct)
    {
        var log = new HistoryLog();
        var owner = new object();
        var encodedName = JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        var entered = JsonEncodedText.Encode("PassStateEntered");
        var exited = JsonEncodedText.Encode("PassStateExited");
        var input = new DocObject { ["k \"q\""] = name, ["n"] = 1.5 };
        var output = new DocObject { ["out"] = "é\u2028\u0002🎉\\" + name };
        var time = new DateTimeOffset(2026, 11, 25, 7, 0, 0, TimeSpan.Zero);

        Append(log, direct, 1, 0, time, entered, encodedName, isInput: true, input, owner, step: 0);
        Append(log, direct, 2, 1, time.AddTicks(1), exited, encodedName, isInput: false, output, owner, step: 1);
        Append(log, direct, 3, 2, time.AddTicks(2), entered, encodedName, isInput: true, output, owner, step: 1);
        Assert.Equal(3, log.Count);
        return log.Written.ToArray();
    }

    private static void Append(HistoryLog log, bool direct, long id, long previous, DateTimeOffset time, JsonEncodedText type, JsonEncodedText name, bool isInput, DocNode node, object owner, int step)
    {
        if (direct)
        {
            var referenced = StateEventDetails.Prepare(isInput, node, owner, step, id, log, InputEdit.Rewritten, appendedName: null, out var text);
            log.AppendStateEvent(id, previous, time, type, name, isInput, text, referenced);
            return;
        }

        var writer = log.BeginEvent(id, previous, time, type);
        var exitedId = StateEventDetails.Write(writer, name, isInput, json: null, node, owner, step, id, log);
        if (exitedId != 0)
        {
            writer.WriteNumberValue(exitedId);
        }

        log.EndEvent(writer);
    }
}
