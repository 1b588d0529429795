using System.Diagnostics;
using System.Reflection;

namespace Segmentation.ML.Tests.Data.Downloads;

/// <summary>
/// Runs a <c>segml</c> command in this process through its <c>Create()</c> factory, with output and error
/// captured. The test project does not reference the CLI, so its assembly is loaded from the CLI's build
/// output of the same configuration (built first when missing or older than its sources).
/// </summary>
internal static class SegmlCli
{
    private static readonly Lazy<Assembly> Cli = new(LoadCli, LazyThreadSafetyMode.ExecutionAndPublication);

    public sealed record Run(int ExitCode, string Output, string Error);

    /// <summary>Invokes <c>Segmentation.Cli.Commands.{commandType}.Create()</c> with <paramref name="args"/>.</summary>
    public static async Task<Run> InvokeAsync(string commandType, string[] args, CancellationToken cancellationToken = default)
    {
        var cli = Cli.Value;
        var command = cli.GetType("Segmentation.Cli.Commands." + commandType, throwOnError: true)!
            .GetMethod("Create", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!
            .Invoke(null, null)!;
        var commandLine = command.GetType().Assembly;
        var parserConfiguration = commandLine.GetType("System.CommandLine.ParserConfiguration", throwOnError: true)!;
        var invocationConfiguration = commandLine.GetType("System.CommandLine.InvocationConfiguration", throwOnError: true)!;

        object parse = command.GetType().GetMethod("Parse", [typeof(IReadOnlyList<string>), parserConfiguration])!.Invoke(command, [args, null])!;
        var output = new StringWriter();
        var error = new StringWriter();
        object configuration = Activator.CreateInstance(invocationConfiguration)!;
        invocationConfiguration.GetProperty("Output")!.SetValue(configuration, output);
        invocationConfiguration.GetProperty("Error")!.SetValue(configuration, error);
        // No Ctrl+C handler in the test host: cancellation comes from the token.
        invocationConfiguration.GetProperty("ProcessTerminationTimeout")!.SetValue(configuration, null);

        var invoke = parse.GetType().GetMethod("InvokeAsync", [invocationConfiguration, typeof(CancellationToken)])!;
        int exitCode = await (Task<int>)invoke.Invoke(parse, [configuration, cancellationToken])!;
        return new Run(exitCode, output.ToString(), error.ToString());
    }

    private static Assembly LoadCli()
    {
        string testDirectory = AppContext.BaseDirectory;
        string root = testDirectory;
        while (!File.Exists(Path.Combine(root, "Segmentation.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException($"No Segmentation.sln above {testDirectory}.");
        }

        string framework = new DirectoryInfo(testDirectory).Name;
        string configuration = new DirectoryInfo(testDirectory).Parent!.Name;
        string project = Path.Combine(root, "Segmentation.Cli", "Segmentation.Cli.csproj");
        string assembly = Path.Combine(root, "Segmentation.Cli", "bin", configuration, framework, "segml.dll");
        if (!File.Exists(assembly) || NewestSource(root) > File.GetLastWriteTimeUtc(assembly))
        {
            Build(project, configuration);
        }

        return Assembly.LoadFrom(assembly);
    }

    private static DateTime NewestSource(string root) =>
        new[] { "Segmentation.Cli", "Segmentation.ML" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.*", SearchOption.AllDirectories))
            .Where(path => (path.EndsWith(".cs", StringComparison.Ordinal) || path.EndsWith(".csproj", StringComparison.Ordinal))
                && !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Max(File.GetLastWriteTimeUtc);

    private static void Build(string project, string configuration)
    {
        var start = new ProcessStartInfo("dotnet", ["build", project, "-c", configuration, "--nologo", "-v", "q", "-nodeReuse:false"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Building {project} took more than 4 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"Building {project} failed:\n{stdout.Result}\n{stderr.Result}");
        }
    }
}
