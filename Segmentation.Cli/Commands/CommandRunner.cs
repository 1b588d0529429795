using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models.Checkpoints;
using Segmentation.ML.Onnx;

namespace Segmentation.Cli.Commands;

/// <summary>Runs a command body and turns the library's typed errors into one clear line and an exit code.</summary>
internal static class CommandRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CommandFailedException error)
        {
            Console.Error.WriteLine($"error: {error.Message}");
            return error.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Cancelled; nothing partial was left behind.");
            return ExitCodes.Cancelled;
        }
        catch (Exception error) when (error is DatasetException or ImageFormatException or ModelFormatException or OnnxModelException or CheckpointFormatException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {error.Message}");
            return ExitCodes.Failure;
        }
    }
}

/// <summary>A failure the command itself detects (a bad combination of inputs), reported as one line with its exit code.</summary>
internal sealed class CommandFailedException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
