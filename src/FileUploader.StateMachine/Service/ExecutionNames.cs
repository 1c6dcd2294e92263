using System.Security.Cryptography;

namespace FileUploader.StateMachine.Service;

/// <summary>
/// The name of an execution started without one: a random (version 4) UUID, as AWS gives it. <see cref="Guid.NewGuid"/>
/// asks the operating system for 16 random bytes each time (a system call, about 2 % of a 5-state execution); this takes
/// them from a per-thread block of cryptographically random bytes filled 4 KiB at a time.
/// </summary>
internal static class ExecutionNames
{
    private const int BlockSize = 4096;

    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_used;

    public static string NewName()
    {
        var block = t_block ??= new byte[BlockSize];
        if (t_used == 0 || t_used + 16 > BlockSize)
        {
            RandomNumberGenerator.Fill(block);
            t_used = 0;
        }

        Span<byte> bytes = stackalloc byte[16];
        block.AsSpan(t_used, 16).CopyTo(bytes);

        // Each value is used once: wipe it from the block.
        block.AsSpan(t_used, 16).Clear();
        t_used += 16;
        if (t_used == BlockSize)
        {
            t_used = 0;
        }

        // RFC 9562 version 4 (random) with the RFC variant, in the byte order Guid(ReadOnlySpan<byte>, bigEndian: true) reads.
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
