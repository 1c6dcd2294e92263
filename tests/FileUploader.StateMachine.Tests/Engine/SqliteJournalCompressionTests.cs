using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;
using Microsoft.Data.Sqlite;

namespace FileUploader.StateMachine.Tests.Engine;

/// <summary>
/// Packed history events are stored LZ4-compressed when that makes them smaller (<see cref="PackedEventsCompression"/>),
/// behind a first byte no JSON starts with, so rows written plain (by older journals, or too small to shrink) and rows
/// the previous version compressed with Brotli still read.
/// </summary>
public sealed class SqliteJournalCompressionTests : IDisposable
{
    private const string MachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
    private const string Definition = """{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}""";
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempJournalFile _journalFile = new("fu-journal-compress");

    public void Dispose() => _journalFile.Dispose();

    [Fact]
    public void Encode_RepetitiveJson_IsMarkedSmallerAndDecodesToTheSameBytes()
    {
        var packed = Encoding.UTF8.GetBytes(PackedJson(1, 8));

        var stored = PackedEventsCompression.Encode(packed);

        Assert.Equal(PackedEventsCompression.Lz4Marker, stored[0]);
        Assert.True(stored.Length * 2 < packed.Length, $"{packed.Length} bytes were stored as {stored.Length}");
        Assert.Equal(packed, PackedEventsCompression.Decode(stored).ToArray());
    }

    [Fact]
    public void Encode_PayloadThatDoesNotShrink_IsStoredAsItIsAndDecodesToItself()
    {
        // Random bytes after a '[': LZ4 cannot make them smaller, so the plain form is kept.
        var packed = new byte[4096];
        new Random(42).NextBytes(packed);
        packed[0] = (byte)'[';

        var stored = PackedEventsCompression.Encode(packed);

        Assert.Same(packed, stored);
        Assert.Equal(packed, PackedEventsCompression.Decode(stored).ToArray());
    }

    [Fact]
    public void Encode_PayloadBelowTheMinimum_IsStoredAsItIs()
    {
        // Blanks would compress to almost nothing: it is the length alone that keeps them plain.
        var packed = Encoding.UTF8.GetBytes("[" + new string(' ', PackedEventsCompression.MinimumLengthToCompress - 3) + "]");

        Assert.Same(packed, PackedEventsCompression.Encode(packed));
    }

    [Fact]
    public void Decode_CompressedPayloadCutShort_ThrowsInvalidData()
    {
        var stored = PackedEventsCompression.Encode(Encoding.UTF8.GetBytes(PackedJson(1, 8)));

        Assert.Throws<InvalidDataException>(() => PackedEventsCompression.Decode(stored[..(stored.Length / 2)]));
        Assert.Throws<InvalidDataException>(() => PackedEventsCompression.Decode(stored[..3]));
    }

    [Fact]
    public void Decode_BrotliPayloadOfThePreviousVersion_DecodesToTheSameBytes()
    {
        var packed = Encoding.UTF8.GetBytes(PackedJson(1, 8));

        var stored = BrotliPayload(packed);

        Assert.Equal(packed, PackedEventsCompression.Decode(stored).ToArray());
        Assert.Throws<InvalidDataException>(() => PackedEventsCompression.Decode(stored[..(stored.Length / 2)]));
    }

    /// <summary>
    /// A journal holding rows as an earlier version wrote them: Brotli (the previous version, marker 0x01), or plain JSON
    /// (before compression; the running execution's batch row as TEXT, as the oldest journals did).
    /// </summary>
    [Theory]
    [InlineData("brotli")]
    [InlineData("plain")]
    public void Open_JournalWithRowsOfAnEarlierVersion_ServesThemAndAppendsLz4Rows(string earlierFormat)
    {
        var running = Arn(1);
        var older = Arn(2);
        var first = Events(1, 4);
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            journal.Write(new ExecutionBatch(running, Record(running, "RUNNING"), first, [], [], false));
        }

        // A batch row of the running execution and a finished execution whose first events are in its run row.
        var earlierLater = Events(5, 6);
        var olderEvents = Events(1, 8);
        var (laterPayload, olderPayload, earlierMarker) = earlierFormat == "brotli"
            ? ((object)BrotliPayload(new HistoryEventPacking().Pack(earlierLater)), BrotliPayload(new HistoryEventPacking().Pack(olderEvents)), PackedEventsCompression.BrotliMarker)
            : (Encoding.UTF8.GetString(new HistoryEventPacking().Pack(earlierLater)), new HistoryEventPacking().Pack(olderEvents), (byte)'[');
        InsertRowsOfAnEarlierVersion(running, older, laterPayload, olderPayload);

        var lz4Later = Events(11, 6);
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            AssertSameEvents([.. first, .. earlierLater], journal.LoadHistory(running));
            AssertSameEvents(olderEvents, journal.LoadHistory(older));
            journal.Write(new ExecutionBatch(running, Record(running, "SUCCEEDED"), lz4Later, [], [], false));
        }

        using (var reopened = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            AssertSameEvents([.. first, .. earlierLater, .. lz4Later], reopened.LoadHistory(running));
            AssertSameEvents(olderEvents, reopened.LoadHistory(older));
        }

        using var check = Connect();
        var kinds = Blobs(check, "SELECT events FROM run_events ORDER BY id").Select(b => b[0]).ToList();
        Assert.Equal([PackedEventsCompression.Lz4Marker, earlierMarker, PackedEventsCompression.Lz4Marker], kinds);
    }

    [Fact]
    public void LoadHistory_LargeEventsInTheRunRowAndInBatchRows_AreStoredCompressedAndReadBackUnchanged()
    {
        var finished = Arn(1);
        var running = Arn(2);
        var finishedEvents = Events(1, 6);
        var runningFirst = Events(1, 4);
        var runningLater = Events(5, 3);
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            // One that starts and ends in its first batch (events in its run row), one still running (batch rows).
            journal.Write(new ExecutionBatch(finished, Record(finished, "SUCCEEDED"), finishedEvents, [], [], false));
            journal.Write(new ExecutionBatch(running, Record(running, "RUNNING"), runningFirst, [], [], false));
            journal.Write(new ExecutionBatch(running, null, runningLater, [], [], false));

            AssertSameEvents(finishedEvents, journal.LoadHistory(finished));
            AssertSameEvents([.. runningFirst, .. runningLater], journal.LoadHistory(running));
        }

        using (var reopened = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            AssertSameEvents(finishedEvents, reopened.LoadHistory(finished));
            AssertSameEvents([.. runningFirst, .. runningLater], reopened.LoadHistory(running));
        }

        using var connection = Connect();
        var stored = Blobs(connection, "SELECT first_events FROM runs WHERE first_events IS NOT NULL UNION ALL SELECT events FROM run_events ORDER BY 1");
        Assert.Equal(3, stored.Count);
        Assert.All(stored, s => Assert.Equal(PackedEventsCompression.Lz4Marker, s[0]));
        var plainLength = new[] { finishedEvents, runningFirst, runningLater }.Sum(e => new HistoryEventPacking().Pack(e).Length);
        Assert.True(stored.Sum(s => s.Length) * 2 < plainLength, $"{plainLength} bytes were stored as {stored.Sum(s => s.Length)}");
    }

    [Fact]
    public void LoadHistory_SmallEvents_AreStoredAsPlainJson()
    {
        var arn = Arn(1);
        var events = new[] { new HistoryEvent(1, 0, Start, "ExecutionStarted", """{"input":"{}"}""") };
        using (var journal = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            journal.Write(new ExecutionBatch(arn, Record(arn, "SUCCEEDED"), events, [], [], false));
        }

        using (var reopened = SqliteExecutionJournal.Open(_journalFile.Path))
        {
            AssertSameEvents(events, reopened.LoadHistory(arn));
        }

        using var connection = Connect();
        Assert.Equal($$"""[[1,0,{{Start.UtcTicks}},"ExecutionStarted",{"input":"{}"}]]""", Encoding.UTF8.GetString(Assert.Single(Blobs(connection, "SELECT first_events FROM runs"))));
    }

    /// <summary>
    /// Rows as an earlier version wrote them, straight into the file: a batch row of <paramref name="running"/> holding
    /// <paramref name="laterEvents"/>, and a finished execution <paramref name="older"/> whose run row holds
    /// <paramref name="olderEvents"/> (stored as a BLOB whatever it is given as).
    /// </summary>
    private void InsertRowsOfAnEarlierVersion(string running, string older, object laterEvents, byte[] olderEvents)
    {
        using var connection = Connect();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO run_events (run_id, events) SELECT id, $later FROM runs WHERE arn = $running;
            INSERT INTO runs (id, arn, state_machine_arn, name, status, start_date, stop_date, input, output, definition, role_arn, first_events)
                SELECT MAX(id) + 1, $older, $machine, 'e-2', 'SUCCEEDED', 1, 2, '{}', '{}', definition, 'role', CAST($olderEvents AS BLOB) FROM runs;
            """;
        insert.Parameters.AddWithValue("$later", laterEvents);
        insert.Parameters.AddWithValue("$running", running);
        insert.Parameters.AddWithValue("$older", older);
        insert.Parameters.AddWithValue("$machine", MachineArn);
        insert.Parameters.AddWithValue("$olderEvents", olderEvents);
        insert.ExecuteNonQuery();
    }

    /// <summary>Events shaped like a pass chain's: each state's document repeated in its Entered and Exited events.</summary>
    private static List<HistoryEvent> Events(long firstId, int count) =>
        [.. Enumerable.Range(0, count).Select(i => new HistoryEvent(
            firstId + i, firstId + i - 1, Start.AddTicks(firstId + i), i % 2 == 0 ? "PassStateEntered" : "PassStateExited",
            $$$"""{"name":"Step{{{(firstId + i) / 2}}}","output":"{\"order\":\"o-{{{firstId + i}}}\",\"items\":[1,2,3,4,5,6,7,8],\"customer\":{\"name\":\"Ada Lovelace\",\"city\":\"London\"}}","outputDetails":{"truncated":false}}"""))];

    /// <summary>A payload as the previous version stored it: marker, length, Brotli (quality 0, 64 KiB window).</summary>
    private static byte[] BrotliPayload(byte[] packed)
    {
        var compressed = new byte[packed.Length + 64];
        Assert.True(BrotliEncoder.TryCompress(packed, compressed, out var written, quality: 0, window: 16));
        var header = new byte[5];
        header[0] = PackedEventsCompression.BrotliMarker;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(1), packed.Length);
        return [.. header, .. compressed.AsSpan(0, written)];
    }

    private static string PackedJson(long firstId, int count) => Encoding.UTF8.GetString(new HistoryEventPacking().Pack(Events(firstId, count)));

    private static void AssertSameEvents(IEnumerable<HistoryEvent> expected, IEnumerable<HistoryEvent> actual) =>
        Assert.Equal(
            expected.Select(e => (e.Id, e.PreviousEventId, e.Timestamp, e.Type, e.DetailsJson)),
            actual.Select(e => (e.Id, e.PreviousEventId, e.Timestamp, e.Type, e.DetailsJson)));

    private SqliteConnection Connect()
    {
        // The journal holds its file exclusively while open: the file is read directly only once it is closed.
        var connection = new SqliteConnection($"Data Source={_journalFile.Path};Pooling=False");
        connection.Open();
        return connection;
    }

    private static List<byte[]> Blobs(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var blobs = new List<byte[]>();
        while (reader.Read())
        {
            blobs.Add(reader.GetFieldValue<byte[]>(0));
        }

        return blobs;
    }

    private static string Arn(int i) => JournalBatches.Arn(i);

    private static ExecutionRecord Record(string arn, string status) => new(
        arn, MachineArn, arn[(arn.LastIndexOf(':') + 1)..], status, Start, status == "RUNNING" ? null : Start, "{}",
        status == "RUNNING" ? null : "{}", null, null, Definition, "role", null);
}
