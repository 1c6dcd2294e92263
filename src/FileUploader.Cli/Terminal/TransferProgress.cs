using System.Diagnostics;
using Spectre.Console;

namespace FileUploader.Cli.Terminal;

/// <summary>
/// Shows how transfers advance: live bars with speed and time left on an interactive terminal, or plain
/// lines on stderr (every 10%) when output is redirected, so logs and scripts still see progress.
/// </summary>
internal abstract class TransferProgress
{
    public static async Task RunAsync(bool interactive, TextWriter plainOutput, Func<TransferProgress, Task> work)
    {
        if (interactive)
        {
            await AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(
                    new TaskDescriptionColumn(),
                    new ProgressBarColumn(),
                    new PercentageColumn(),
                    new DownloadedColumn(),
                    new TransferSpeedColumn(),
                    new RemainingTimeColumn())
                .StartAsync(context => work(new LiveProgress(context)));
        }
        else
        {
            await work(new PlainProgress(plainOutput));
        }
    }

    /// <summary>Starts tracking one transfer of <paramref name="total"/> bytes (null when unknown).</summary>
    public abstract IProgress<(long Done, long? Total)> Start(string label, long? total);

    private sealed class LiveProgress(ProgressContext context) : TransferProgress
    {
        public override IProgress<(long Done, long? Total)> Start(string label, long? total)
        {
            var task = context.AddTask(Markup.Escape(label), maxValue: Math.Max(total ?? 0, 1));
            if (total is null)
            {
                task.IsIndeterminate = true;
            }

            return new SynchronousProgress(update =>
            {
                if (update.Total is { } known && Math.Abs(task.MaxValue - known) > 0.5)
                {
                    task.MaxValue = Math.Max(known, 1);
                    task.IsIndeterminate = false;
                }

                task.Value = update.Done;
            });
        }
    }

    private sealed class PlainProgress(TextWriter output) : TransferProgress
    {
        private readonly Lock _gate = new();

        public override IProgress<(long Done, long? Total)> Start(string label, long? total)
        {
            var stopwatch = Stopwatch.StartNew();
            var lastDecile = -1;
            return new SynchronousProgress(update =>
            {
                var size = update.Total ?? total;
                var decile = size is > 0 ? (int)(update.Done * 10 / size.Value) : 0;
                if (decile <= lastDecile)
                {
                    return;
                }

                lastDecile = decile;
                var seconds = Math.Max(stopwatch.Elapsed.TotalSeconds, 0.001);
                var speed = update.Done / seconds;
                var left = size is > 0 && speed > 0 ? TimeSpan.FromSeconds((size.Value - update.Done) / speed) : TimeSpan.Zero;
                var line = size is > 0
                    ? $"{label}: {decile * 10}% of {Sizes.Format(size.Value)}, {Sizes.Format(speed)}/s, {Sizes.FormatDuration(left)} left"
                    : $"{label}: {Sizes.Format(update.Done)}, {Sizes.Format(speed)}/s";
                lock (_gate)
                {
                    output.WriteLine(line);
                }
            });
        }
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool and may report after the transfer ended; this reports inline.</summary>
    private sealed class SynchronousProgress(Action<(long Done, long? Total)> report) : IProgress<(long Done, long? Total)>
    {
        public void Report((long Done, long? Total) value) => report(value);
    }
}
