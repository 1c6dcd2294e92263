using System.Buffers;
using System.Text;
using System.Text.Json;

namespace FileUploader.StateMachine.History;

/// <summary>
/// One history event, append-only, with AWS's type names. The details object is rendered to JSON only when
/// someone reads it (a journal that stores text, or GetExecutionHistory), so the in-memory engine does not pay for
/// JSON it never shows.
/// </summary>
public sealed class HistoryEvent
{
    private readonly EventDetails? _details;
    private string? _detailsJson;

    internal HistoryEvent(long id, long previousEventId, DateTimeOffset timestamp, string type, EventDetails? details)
    {
        Id = id;
        PreviousEventId = previousEventId;
        Timestamp = timestamp;
        Type = type;
        _details = details;
    }

    /// <summary>Rebuilds an event read back from a journal.</summary>
    public HistoryEvent(long id, long previousEventId, DateTimeOffset timestamp, string type, string? detailsJson)
    {
        Id = id;
        PreviousEventId = previousEventId;
        Timestamp = timestamp;
        Type = type;
        _detailsJson = detailsJson;
    }

    public long Id { get; }

    public long PreviousEventId { get; }

    public DateTimeOffset Timestamp { get; }

    /// <summary>AWS's event type, e.g. TaskStateEntered.</summary>
    public string Type { get; }

    /// <summary>The AWS field that holds the details, e.g. stateEnteredEventDetails; null when the type has none.</summary>
    public string? DetailsFieldName => DetailsJson is null ? null : DetailsFieldFor(Type);

    /// <summary>The details object as JSON, or null when the event type carries no details.</summary>
    public string? DetailsJson => _detailsJson ??= _details?.ToJson();

    /// <summary>
    /// Writes the details object (or null) into <paramref name="writer"/>, which must use default options, without
    /// first rendering it to a string (the SQLite journal packs every event it stores this way).
    /// </summary>
    internal void WriteDetailsTo(Utf8JsonWriter writer)
    {
        if (_detailsJson is not null)
        {
            writer.WriteRawValue(_detailsJson, skipInputValidation: true);
        }
        else if (_details is not null)
        {
            _details.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    internal static string DetailsFieldFor(string type)
    {
        if (type.EndsWith("StateEntered", StringComparison.Ordinal))
        {
            return "stateEnteredEventDetails";
        }

        if (type.EndsWith("StateExited", StringComparison.Ordinal))
        {
            return "stateExitedEventDetails";
        }

        return string.Concat(char.ToLowerInvariant(type[0]).ToString(), type.AsSpan(1), "EventDetails");
    }
}

/// <summary>The union of the detail fields AWS uses; each event type fills the ones it has.</summary>
internal sealed record EventDetails
{
    public string? Name { get; init; }

    public int? Index { get; init; }

    public int? Length { get; init; }

    public string? ResourceType { get; init; }

    public string? Resource { get; init; }

    public string? Region { get; init; }

    public string? Parameters { get; init; }

    public string? Input { get; init; }

    public string? Output { get; init; }

    public string? RoleArn { get; init; }

    public string? StateMachineArn { get; init; }

    public long? TimeoutInSeconds { get; init; }

    public long? HeartbeatInSeconds { get; init; }

    public string? Error { get; init; }

    public string? Cause { get; init; }

    public bool HasError { get; init; }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public string ToJson()
    {
        // One writer per thread: the SQLite journal renders every event it stores.
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        WriteTo(writer);
        writer.Flush();
        var json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (buffer.Capacity > 1 << 20)
        {
            t_buffer = null;
            t_writer = null;
        }

        return json;
    }

    /// <summary>Writes the details object; a writer with default options gives the same text as <see cref="ToJson"/>.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        WriteIf(writer, "name", Name);
        if (Index is { } index)
        {
            writer.WriteNumber("index", index);
        }

        if (Length is { } length)
        {
            writer.WriteNumber("length", length);
        }

        WriteIf(writer, "resourceType", ResourceType);
        WriteIf(writer, "resource", Resource);
        WriteIf(writer, "region", Region);
        WriteIf(writer, "parameters", Parameters);
        if (Input is not null)
        {
            writer.WriteString("input", Input);
            writer.WriteStartObject("inputDetails");
            writer.WriteBoolean("truncated", false);
            writer.WriteEndObject();
        }

        if (Output is not null)
        {
            writer.WriteString("output", Output);
            writer.WriteStartObject("outputDetails");
            writer.WriteBoolean("truncated", false);
            writer.WriteEndObject();
        }

        WriteIf(writer, "roleArn", RoleArn);
        WriteIf(writer, "stateMachineArn", StateMachineArn);
        if (TimeoutInSeconds is { } timeout)
        {
            writer.WriteNumber("timeoutInSeconds", timeout);
        }

        if (HeartbeatInSeconds is { } heartbeat)
        {
            writer.WriteNumber("heartbeatInSeconds", heartbeat);
        }

        if (HasError || Error is not null)
        {
            WriteIf(writer, "error", Error);
            WriteIf(writer, "cause", Cause);
        }

        writer.WriteEndObject();
    }

    private static void WriteIf(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
