using FileUploader.StateMachine.Definition;

namespace FileUploader.StateMachine.Execution;

/// <summary>How Retry and Catch match error names and how long a retrier waits (AWS developer guide, "Handling errors").</summary>
internal static class ErrorMatching
{
    private const string DataLimitExceeded = "States.DataLimitExceeded";

    public static bool Matches(IReadOnlyList<string> errorEquals, string error)
    {
        // States.Runtime and States.DataLimitExceeded always fail the execution: no retrier or catcher applies.
        if (error is StatesErrors.Runtime or DataLimitExceeded)
        {
            return false;
        }

        foreach (var name in errorEquals)
        {
            if (name == error || name == StatesErrors.All)
            {
                return true;
            }

            // States.TaskFailed is a wildcard for every known error except States.Timeout.
            if (name == StatesErrors.TaskFailed && error != StatesErrors.Timeout)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// IntervalSeconds × BackoffRate^attempt, capped by MaxDelaySeconds; FULL jitter picks uniformly below that.
    /// </summary>
    public static TimeSpan RetryDelay(Retrier retrier, int attemptsUsed)
    {
        var seconds = retrier.IntervalSeconds * Math.Pow(retrier.BackoffRate, attemptsUsed);
        if (retrier.MaxDelaySeconds is { } max && seconds > max)
        {
            seconds = max;
        }

        if (retrier.Jitter == JitterStrategy.Full)
        {
            // Not a security decision: jitter only spreads retries.
#pragma warning disable CA5394
            seconds *= Random.Shared.NextDouble();
#pragma warning restore CA5394
        }

        // Whole milliseconds: the precision AWS reports and timers honour.
        return TimeSpan.FromMilliseconds(Math.Round(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 4) * 1000));
    }
}
