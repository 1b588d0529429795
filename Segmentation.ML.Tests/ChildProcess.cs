using System.Diagnostics;

namespace Segmentation.ML.Tests;

/// <summary>Runs a program the tests start (a browser, the notebook host, segml in a namespace) with a time limit.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Starts <paramref name="start"/> with its output and error redirected, waits at most <paramref name="limit"/> and
    /// returns the exit code with both streams; after the limit the whole process tree is killed.
    /// </summary>
    /// <exception cref="TimeoutException">The limit passed; the message is "<paramref name="description"/> did not finish within …".</exception>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(ProcessStartInfo start, TimeSpan limit, string description)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{description} did not finish within {limit.TotalMinutes:0.#} minutes.");
        }
        return (process.ExitCode, await output, await error);
    }
}
