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

    // Encoded once: every event writes some of them (a property name given as a string is checked for escaping each time).
    private static readonly JsonEncodedText CauseName = JsonEncodedText.Encode("cause");
    private static readonly JsonEncodedText ErrorName = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText HeartbeatInSecondsName = JsonEncodedText.Encode("heartbeatInSeconds");
    private static readonly JsonEncodedText IndexName = JsonEncodedText.Encode("index");
    private static readonly JsonEncodedText InputName = JsonEncodedText.Encode("input");
    private static readonly JsonEncodedText InputDetailsName = JsonEncodedText.Encode("inputDetails");
    private static readonly JsonEncodedText LengthName = JsonEncodedText.Encode("length");
    private static readonly JsonEncodedText NameName = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText OutputName = JsonEncodedText.Encode("output");
    private static readonly JsonEncodedText OutputDetailsName = JsonEncodedText.Encode("outputDetails");
    private static readonly JsonEncodedText ParametersName = JsonEncodedText.Encode("parameters");
    private static readonly JsonEncodedText RegionName = JsonEncodedText.Encode("region");
    private static readonly JsonEncodedText ResourceName = JsonEncodedText.Encode("resource");
    private static readonly JsonEncodedText ResourceTypeName = JsonEncodedText.Encode("resourceType");
    private static readonly JsonEncodedText RoleArnName = JsonEncodedText.Encode("roleArn");
    private static readonly JsonEncodedText StateMachineArnName = JsonEncodedText.Encode("stateMachineArn");
    private static readonly JsonEncodedText TimeoutInSecondsName = JsonEncodedText.Encode("timeoutInSeconds");
    private static readonly JsonEncodedText TruncatedName = JsonEncodedText.Encode("truncated");

    /// <summary>Writes the details object; a writer with default options gives the same text as <see cref="ToJson"/>.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        WriteIf(writer, NameName, Name);
        if (Index is { } index)
        {
            writer.WriteNumber(IndexName, index);
        }

        if (Length is { } length)
        {
            writer.WriteNumber(LengthName, length);
        }

        WriteIf(writer, ResourceTypeName, ResourceType);
        WriteIf(writer, ResourceName, Resource);
        WriteIf(writer, RegionName, Region);
        WriteIf(writer, ParametersName, Parameters);
        if (Input is not null)
        {
            writer.WriteString(InputName, Input);
            writer.WriteStartObject(InputDetailsName);
            writer.WriteBoolean(TruncatedName, false);
            writer.WriteEndObject();
        }

        if (Output is not null)
        {
            writer.WriteString(OutputName, Output);
            writer.WriteStartObject(OutputDetailsName);
            writer.WriteBoolean(TruncatedName, false);
            writer.WriteEndObject();
        }

        WriteIf(writer, RoleArnName, RoleArn);
        WriteIf(writer, StateMachineArnName, StateMachineArn);
        if (TimeoutInSeconds is { } timeout)
        {
            writer.WriteNumber(TimeoutInSecondsName, timeout);
        }

        if (HeartbeatInSeconds is { } heartbeat)
        {
            writer.WriteNumber(HeartbeatInSecondsName, heartbeat);
        }

        if (HasError || Error is not null)
        {
            WriteIf(writer, ErrorName, Error);
            WriteIf(writer, CauseName, Cause);
        }

        writer.WriteEndObject();
    }

    private static void WriteIf(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
