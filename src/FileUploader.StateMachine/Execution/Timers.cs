namespace FileUploader.StateMachine.Execution;

/// <summary>
/// Waiting on the injected clock for any length of time. A single timer cannot exceed about 49 days, but a Wait
/// may target next year, so long waits are taken in slices, each re-reading the clock.
/// </summary>
internal static class Timers
{
    private static readonly TimeSpan MaxSlice = TimeSpan.FromDays(30);

    public static async Task DelayUntilAsync(TimeProvider time, DateTimeOffset due, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Timers work in whole milliseconds: a sub-millisecond remainder counts as due, or the loop would spin.
            var remaining = due - time.GetUtcNow();
            if (remaining < TimeSpan.FromMilliseconds(1))
            {
                return;
            }

            await Task.Delay(remaining < MaxSlice ? remaining : MaxSlice, time, cancellationToken);
        }
    }
}
