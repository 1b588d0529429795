using Spectre.Console;

namespace Segmentation.Cli.Commands;

/// <summary>The one progress bar of the model commands: what is happening, the bar, percentage and remaining time (commands print the elapsed time when done).</summary>
internal static class ProgressDisplay
{
    /// <summary>Runs <paramref name="work"/> under a bar of <paramref name="total"/> steps; the bar is cleared when the work ends.</summary>
    public static T Run<T>(string description, long total, Func<ProgressTask, T> work)
    {
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));
                result = work(task);
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>An <see cref="IProgress{T}"/> that updates the bar on the reporting thread (no posting, so the bar never lags the work).</summary>
    public static IProgress<long> Follow(ProgressTask task) => new Immediate(task);

    private sealed class Immediate(ProgressTask task) : IProgress<long>
    {
        public void Report(long value) => task.Value = value;
    }
}
