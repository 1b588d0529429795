using Segmentation.ML;

namespace Segmentation.Cli.Commands;

/// <summary>A failure the command itself detects (a bad combination of inputs), reported as one line with its exit code.</summary>
internal sealed class CommandFailedException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// Runs the body of a command that trains, evaluates or predicts: gives it a <see cref="SegmentationContext"/>
/// cancelled with the command line's token (Ctrl+C), and adds model-zip and command failures to the errors
/// <see cref="CommandRunner"/> turns into one line and an exit code.
/// </summary>
internal static class ModelCommandRunner
{
    public static int Run(CancellationToken cancellation, int? seed, Func<SegmentationContext, int> body) => CommandRunner.Run(() =>
    {
        var context = new SegmentationContext(seed);
        using var registration = cancellation.Register(context.CancelExecution);
        try
        {
            return body(context);
        }
        catch (ModelFormatException error)
        {
            Console.Error.WriteLine($"error: {error.Message}");
            return ExitCodes.Failure;
        }
        catch (CommandFailedException error)
        {
            Console.Error.WriteLine($"error: {error.Message}");
            return error.ExitCode;
        }
    });
}
