using Microsoft.Extensions.Time.Testing;

namespace FileUploader.StateMachine.Tests.Conformance;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also knows which timers are armed and when they are due, so the runner can
/// jump straight to the next deadline once the engine is idle: Wait and Retry cases take no real time and their
/// virtual elapsed time is exact.
/// </summary>
internal sealed class VirtualClock : TimeProvider
{
    private readonly FakeTimeProvider _fake;
    private readonly Lock _gate = new();
    private readonly HashSet<TrackedTimer> _armed = [];
    private long _version;

    public VirtualClock(DateTimeOffset start)
    {
        _fake = new FakeTimeProvider(start);
    }

    /// <summary>Changes whenever a timer is created, changed, fired or disposed: a cheap "is the engine still busy" signal.</summary>
    public long Version => Interlocked.Read(ref _version);

    public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

    public override long GetTimestamp() => _fake.GetTimestamp();

    public override long TimestampFrequency => _fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var tracked = new TrackedTimer(this, callback);
        tracked.Start(state, dueTime, period);
        return tracked;
    }

    /// <summary>The earliest deadline among armed timers, or null when nothing is waiting on the clock.</summary>
    public DateTimeOffset? NextDue()
    {
        lock (_gate)
        {
            DateTimeOffset? next = null;
            foreach (var timer in _armed)
            {
                if (timer.Due is { } due && (next is null || due < next))
                {
                    next = due;
                }
            }

            return next;
        }
    }

    public void AdvanceTo(DateTimeOffset instant)
    {
        var step = instant - _fake.GetUtcNow();
        _fake.Advance(step > TimeSpan.Zero ? step : TimeSpan.Zero);
    }

    private void Track(TrackedTimer timer, bool armed)
    {
        lock (_gate)
        {
            if (armed)
            {
                _armed.Add(timer);
            }
            else
            {
                _armed.Remove(timer);
            }
        }

        Interlocked.Increment(ref _version);
    }

    private sealed class TrackedTimer(VirtualClock clock, TimerCallback callback) : ITimer
    {
        private ITimer? _inner;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset? Due { get; private set; }

        public void Start(object? state, TimeSpan dueTime, TimeSpan period)
        {
            _inner = clock._fake.CreateTimer(s => Fire(s), state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Change(dueTime, period);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            // Track before arming: a zero due time may fire inside Change, and Fire must see (and clear) the deadline.
            _period = period;
            Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime;
            clock.Track(this, Due is not null);
            try
            {
                return _inner!.Change(dueTime, period);
            }
            catch (ArgumentOutOfRangeException)
            {
                Due = null;
                clock.Track(this, armed: false);
                throw;
            }
        }

        public void Dispose()
        {
            Due = null;
            clock.Track(this, armed: false);
            _inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Fire(object? state)
        {
            Due = _period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero ? null : clock.GetUtcNow() + _period;
            clock.Track(this, Due is not null);
            callback(state);
        }
    }
}
