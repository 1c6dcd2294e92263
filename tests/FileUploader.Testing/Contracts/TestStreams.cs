namespace FileUploader.Testing.Contracts;

/// <summary>
/// A non-seekable source that hands out at most <c>chunk</c> bytes per read, like a request body arriving over a
/// socket, and optionally fails after some bytes, like a client that disconnects mid-body.
/// </summary>
public sealed class TrickleStream(byte[] bytes, int chunk = 8192, long? failAfterBytes = null) : ReadOnlyTestStream
{
    private int position;

    public override int Read(Span<byte> buffer)
    {
        if (failAfterBytes is { } limit && position >= limit)
        {
            throw new IOException("The client went away.");
        }

        var count = Math.Min(Math.Min(buffer.Length, chunk), bytes.Length - position);
        bytes.AsSpan(position, count).CopyTo(buffer);
        position += count;
        return count;
    }
}

/// <summary>
/// A body that never ends. Reading past <c>failAfterBytes</c> throws, so a store that buffers the whole body
/// instead of stopping at its limit fails loudly instead of filling memory.
/// </summary>
public sealed class EndlessStream(long failAfterBytes) : ReadOnlyTestStream
{
    public long BytesRead { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        if (BytesRead >= failAfterBytes)
        {
            throw new InvalidOperationException($"Read {BytesRead} bytes of an endless body: the store did not stop at its limit.");
        }

        var count = (int)Math.Min(buffer.Length, failAfterBytes - BytesRead);
        buffer[..count].Fill(0x41);
        BytesRead += count;
        return count;
    }
}

/// <summary>What every read-only, non-seekable test body shares; a subclass only says how bytes are read.</summary>
public abstract class ReadOnlyTestStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public abstract override int Read(Span<byte> buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
