namespace Segmentation.ML.Tests.Cli;

/// <summary>Runs the built <c>segml</c> in a child process, as a user's shell would.</summary>
internal static class Segml
{
    public static string AssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "segml.dll");

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        using var process = new SegmlProcess(arguments);
        try
        {
            return await process.WaitAsync(TimeSpan.FromMinutes(3));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"segml {string.Join(' ', arguments)} did not finish within 3 minutes.");
        }
    }
}
