using Segmentation.ML;

namespace Segmentation.Cli.Commands;

/// <summary>
/// Runs the body of a command that trains, evaluates or predicts through <see cref="CommandRunner"/>, giving it a
/// <see cref="SegmentationContext"/> cancelled with the command line's token (Ctrl+C).
/// </summary>
internal static class ModelCommandRunner
{
    public static int Run(CancellationToken cancellation, int? seed, Func<SegmentationContext, int> body) => CommandRunner.Run(() =>
    {
        var context = new SegmentationContext(seed);
        using var registration = cancellation.Register(context.CancelExecution);
        return body(context);
    });
}
