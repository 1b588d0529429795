namespace Segmentation.ML.Tests.Cli;

/// <summary>Runs the built <c>segml</c> in a child process, as a user's shell would.</summary>
internal static class Segml
{
    public static string AssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "segml.dll");

    public static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments) =>
        RunAssemblyAsync(AssemblyPath, null, arguments);

    /// <summary>Runs another .NET program (built beside the tests) in a child process, with extra environment variables.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAssemblyAsync(string assembly, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using var process = new SegmlProcess(assembly, environment, arguments);
        try
        {
            return await process.WaitAsync(TimeSpan.FromMinutes(3));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Path.GetFileNameWithoutExtension(assembly)} {string.Join(' ', arguments)} did not finish within 3 minutes.");
        }
    }
}
