using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FileUploader.Core.Steps;

/// <summary>
/// Every step input and output, source-generated (AOT-safe, no reflection). Times are written as RFC 3339 UTC with
/// a <c>Z</c>, which is what an ASL Wait's <c>TimestampPath</c> requires.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(UtcTimestampConverter), typeof(NullableUtcTimestampConverter)])]
[JsonSerializable(typeof(UploadRef))]
[JsonSerializable(typeof(FileRef))]
[JsonSerializable(typeof(RecordRef))]
[JsonSerializable(typeof(ValidatedUpload))]
[JsonSerializable(typeof(StoreInput))]
[JsonSerializable(typeof(StoredFile))]
[JsonSerializable(typeof(RecordInput))]
[JsonSerializable(typeof(RecordedFile))]
[JsonSerializable(typeof(PresignedLink))]
[JsonSerializable(typeof(ExpireInput))]
[JsonSerializable(typeof(ExpiredFile))]
[JsonSerializable(typeof(FinishUploadInput))]
[JsonSerializable(typeof(FailUploadInput))]
[JsonSerializable(typeof(UploadOutcome))]
[JsonSerializable(typeof(Removal))]
public sealed partial class StepJsonContext : JsonSerializerContext;

/// <summary>Writes <c>2031-01-02T03:04:05Z</c> (fraction only when there is one); reads any ISO 8601 time.</summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Format(value));
    }

    public static string Format(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        return utc.Ticks % TimeSpan.TicksPerSecond == 0
            ? utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    }
}

/// <summary><see cref="UtcTimestampConverter"/> for optional times.</summary>
public sealed class NullableUtcTimestampConverter : JsonConverter<DateTimeOffset?>
{
    public override bool HandleNull => true;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null
            ? null
            : DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } time)
        {
            writer.WriteStringValue(UtcTimestampConverter.Format(time));
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
