using System.Diagnostics;

namespace Segmentation.ML.Tests.Cli;

/// <summary>A <c>segml</c> child process the test can interrupt, as a user pressing Ctrl+C would.</summary>
internal sealed class SegmlProcess : IDisposable
{
    private readonly Process process;
    private readonly Task<string> output;
    private readonly Task<string> error;

    public SegmlProcess(params string[] arguments)
        : this(Segml.AssemblyPath, null, arguments)
    {
    }

    /// <summary>Runs <paramref name="assembly"/> with <c>dotnet</c>, with extra environment variables (e.g. TMPDIR).</summary>
    public SegmlProcess(string assembly, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        process = Process.Start(start)!;
        output = process.StandardOutput.ReadToEndAsync();
        error = process.StandardError.ReadToEndAsync();
    }

    public bool HasExited => process.HasExited;

    /// <summary>Sends SIGINT, what the terminal sends on Ctrl+C.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start("kill", ["-INT", process.Id.ToString()]);
        kill.WaitForExit();
    }

    public async Task<(int ExitCode, string Output, string Error)> WaitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancellation.Token);
        return (process.ExitCode, await output, await error);
    }

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}
