using System.Security.Cryptography;
using FileUploader.Core.Ports;

namespace FileUploader.Storage.Aws;

/// <summary>
/// Reads an upload in blocks, hashing every byte (SHA-256) and throwing <see cref="ObjectTooLargeException"/> the
/// moment the running total passes the limit, so an oversized body is refused after at most one small read
/// beyond the limit, not after it has all arrived.
/// </summary>
internal sealed class BoundedHashingReader(Stream source, long maxBytes, string key) : IDisposable
{
    // Small reads keep the "stop as soon as the limit is crossed" promise close, whatever the buffer size.
    private const int ReadSize = 81920;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _peeked = -1;
    private bool _ended;

    public long Total { get; private set; }

    /// <summary>Fills <paramref name="buffer"/>; fewer bytes than its length means the stream has ended.</summary>
    public async Task<int> FillAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        if (_peeked >= 0 && buffer.Length > 0)
        {
            buffer.Span[0] = (byte)_peeked;
            _peeked = -1;
            filled = 1;
        }

        while (filled < buffer.Length && !_ended)
        {
            var read = await source.ReadAsync(buffer.Slice(filled, Math.Min(buffer.Length - filled, ReadSize)), cancellationToken);
            if (read == 0)
            {
                _ended = true;
                break;
            }

            Count(buffer.Span.Slice(filled, read));
            filled += read;
        }

        return filled;
    }

    /// <summary>True when no byte is left; reads (and keeps) one byte to find out.</summary>
    public async Task<bool> IsAtEndAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return true;
        }

        if (_peeked >= 0)
        {
            return false;
        }

        var one = new byte[1];
        if (await source.ReadAsync(one, cancellationToken) == 0)
        {
            _ended = true;
            return true;
        }

        Count(one);
        _peeked = one[0];
        return false;
    }

    public byte[] GetSha256() => _hash.GetHashAndReset();

    public void Dispose() => _hash.Dispose();

    private void Count(ReadOnlySpan<byte> data)
    {
        Total += data.Length;
        if (Total > maxBytes)
        {
            throw new ObjectTooLargeException(key, maxBytes);
        }

        _hash.AppendData(data);
    }
}
