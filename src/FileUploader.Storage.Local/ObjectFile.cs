using System.Buffers.Binary;
using System.Text.Json;
using FileUploader.Core.Domain;
using FileUploader.Core.Ports;
using Microsoft.Win32.SafeHandles;

namespace FileUploader.Storage.Local;

/// <summary>
/// One object's file (<c>objects/{key}</c>, or <c>data</c> inside an object folder of the earlier layout): the bytes,
/// then their metadata, then a fixed footer — <c>[bytes][metadata JSON][JSON length: u32 LE]["FUMETA01"]</c>. The
/// metadata is known only once the bytes have streamed through (size, SHA-256), so it goes last; keeping it in the
/// same file as the bytes means one file to create and one fsync per put instead of two (a second file,
/// <c>meta.json</c>, is how objects were stored before; they are still read).
/// </summary>
internal static class ObjectFile
{
    public const int FooterLength = sizeof(uint) + 8;

    // A content type is bounded by the request's header limits; anything longer is not ours.
    private const int MaxMetadataLength = 64 * 1024;

    private static ReadOnlySpan<byte> Magic => "FUMETA01"u8;

    /// <summary>The bytes to append after the data.</summary>
    public static byte[] Trailer(StoredObject stored)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(
            new ObjectMetadata(stored.Size, stored.Sha256, stored.ContentType), LocalStorageJsonContext.Default.ObjectMetadata);
        var trailer = new byte[json.Length + FooterLength];
        json.CopyTo(trailer, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(json.Length), (uint)json.Length);
        Magic.CopyTo(trailer.AsSpan(json.Length + sizeof(uint)));
        return trailer;
    }

    /// <summary>
    /// The metadata at the end of an open data file. A file without a well-formed trailer whose size matches is
    /// damaged (a put only publishes a complete one), which no retry can fix.
    /// </summary>
    public static StoredObject ReadMetadata(SafeFileHandle file, string key)
    {
        var length = RandomAccess.GetLength(file);
        Span<byte> footer = stackalloc byte[FooterLength];
        if (length < FooterLength || RandomAccess.Read(file, footer, length - FooterLength) != FooterLength || !footer[sizeof(uint)..].SequenceEqual(Magic))
        {
            throw Damaged(key);
        }

        var jsonLength = BinaryPrimitives.ReadUInt32LittleEndian(footer);
        if (jsonLength > MaxMetadataLength || jsonLength > length - FooterLength)
        {
            throw Damaged(key);
        }

        var json = new byte[jsonLength];
        var start = length - FooterLength - jsonLength;
        if (RandomAccess.Read(file, json, start) != json.Length)
        {
            throw Damaged(key);
        }

        ObjectMetadata? meta;
        try
        {
            meta = JsonSerializer.Deserialize(json, LocalStorageJsonContext.Default.ObjectMetadata);
        }
        catch (JsonException)
        {
            throw Damaged(key);
        }

        return meta is not null && meta.Size == start
            ? new StoredObject(key, meta.Size, meta.Sha256, meta.ContentType)
            : throw Damaged(key);
    }

    private static StepFailedException Damaged(string key) =>
        new(ErrorNames.StorageUnavailable, $"The stored object '{key}' is damaged: its metadata is missing or does not match its bytes.", retryable: false);
}
