using System.Collections.Concurrent;

namespace FileUploader.StateMachine.History;

/// <summary>
/// Where sealed histories live: packed back to back into pinned slabs (see <see cref="HistoryLog.Seal"/>), because an
/// allocation on the pinned object heap is slow (it takes a lock) and one per finished execution was about 5 % of a
/// 5-state run. Each thread fills its own slab. A slab whose histories were all let go (see
/// <see cref="HistoryLog.Release"/>) is reused: writing into fresh memory costs a page fault per page, which was most
/// of the cost of sealing. The engine no longer seals the histories of its runs: it keeps them in
/// <see cref="RetainedExecutions"/>; this serves runs whose history nobody takes over.
/// </summary>
internal static class RetainedHistorySlabs
{
    private const int SlabSize = 128 * 1024;

    // Enough for the slabs in flight between being let go and reused; beyond it the collector frees them.
    private const int MaxFree = 64;

    private static readonly ConcurrentQueue<byte[]> Free = new();
    private static int s_freeCount;

    [ThreadStatic]
    private static Slab? t_slab;

    [ThreadStatic]
    private static int t_used;

    /// <summary>A place for <paramref name="length"/> bytes; <c>Slab</c> is null for a history too big to share one.</summary>
    public static (Slab? Slab, byte[] Array, int Offset) Allocate(int length)
    {
        if (length > SlabSize / 8)
        {
            return (null, GC.AllocateUninitializedArray<byte>(length, pinned: true), 0);
        }

        if (t_slab is null || t_used + length > SlabSize)
        {
            if (t_slab is { } full)
            {
                // The thread's own hold on the slab it is done filling.
                Release(full);
            }

            t_slab = new Slab(TakeFree() ?? GC.AllocateUninitializedArray<byte>(SlabSize, pinned: true));
            t_used = 0;
        }

        var slab = t_slab;
        Interlocked.Increment(ref slab.Live);
        var offset = t_used;
        t_used += length;
        return (slab, slab.Bytes, offset);
    }

    /// <summary>One history in <paramref name="slab"/> is let go (nobody reads it any more).</summary>
    public static void Release(Slab slab)
    {
        if (Interlocked.Decrement(ref slab.Live) != 0)
        {
            return;
        }

        if (Interlocked.Increment(ref s_freeCount) <= MaxFree)
        {
            Free.Enqueue(slab.Bytes);
        }
        else
        {
            Interlocked.Decrement(ref s_freeCount);
        }
    }

    private static byte[]? TakeFree()
    {
        if (Free.TryDequeue(out var bytes))
        {
            Interlocked.Decrement(ref s_freeCount);
            return bytes;
        }

        return null;
    }

    /// <summary>A slab and how many holds on it remain: its histories not let go, and its filling thread's.</summary>
    internal sealed class Slab(byte[] bytes)
    {
        public int Live = 1;

        public byte[] Bytes { get; } = bytes;
    }
}
