using System.Diagnostics;

namespace Segmentation.ML.Tests.Cli;

/// <summary>Runs the built <c>segml</c> in a child process, as a user's shell would.</summary>
internal static class Segml
{
    public static string AssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "segml.dll");

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"segml {string.Join(' ', arguments)} did not finish within 3 minutes.");
        }
        return (process.ExitCode, await output, await error);
    }
}
