namespace FileUploader.Server.Tests.Infrastructure;

/// <summary>Waits for something observable to become true — no fixed sleeps, a generous deadline.</summary>
internal static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var delay = 5;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}; last value: {value}");
            }

            // Back off while polling the observable state; this is not a timing assumption.
            await Task.Delay(delay);
            delay = Math.Min(delay * 2, 100);
        }
    }
}
