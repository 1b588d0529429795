using System.Diagnostics;
using System.Text.Json;

namespace Segmentation.ML.Tests.Notebooks;

/// <summary>
/// Runs a notebook in <c>Segmentation.NotebookHost</c>, the .NET Interactive C# kernel in a process of its own (as Polyglot
/// Notebooks run it), and reads back each cell's outputs. The library's notebooks load <see cref="LibraryPackage"/>.
/// </summary>
internal static class NotebookHost
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The host's build output, in the tests' configuration.</summary>
    public static string AssemblyPath
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            string framework = folder.Name, configuration = folder.Parent!.Name;
            return Path.Combine(RepositoryFolder.Root, "Segmentation.NotebookHost", "bin", configuration, framework, "Segmentation.NotebookHost.dll");
        }
    }

    /// <summary>
    /// Runs every code cell of the notebook at <paramref name="path"/> in order, in the notebook's folder. After the cell
    /// tagged "parameters", <paramref name="parameters"/> (name → C# expression) are assigned, as papermill injects them.
    /// </summary>
    /// <param name="package">The library's package, for notebooks that load it; its folder is the notebooks' SEGML_PACKAGES.</param>
    /// <exception cref="NotebookCellException">A cell failed to compile, threw or showed an error; the message names the notebook, the cell and the error.</exception>
    public static async Task<NotebookRun> RunAsync(string path, IReadOnlyDictionary<string, string>? parameters = null, LibraryPackage? package = null)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(AssemblyPath);
        start.ArgumentList.Add(path);
        foreach (var (name, expression) in parameters ?? new Dictionary<string, string>())
        {
            start.ArgumentList.Add("--set");
            start.ArgumentList.Add($"{name}={expression}");
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in package?.Environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        var (exitCode, output, error) = await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(10), Path.GetFileName(path));

        var cells = new List<CellRun>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var report = JsonSerializer.Deserialize<HostReport>(line, Json) ?? throw new FormatException($"The notebook host wrote '{line}'.");
            if (report.Failure is { } failure) throw new NotebookCellException(failure);
            if (report.Done == true) return new NotebookRun(path, cells, TimeSpan.FromMilliseconds(report.ElapsedMs ?? 0));
            cells.Add(new CellRun(report.Cell!, report.Index ?? 0, report.Outputs ?? [], report.Console ?? "", TimeSpan.FromMilliseconds(report.ElapsedMs ?? 0)));
        }
        throw new InvalidOperationException($"The notebook host stopped with exit code {exitCode} before the end of {Path.GetFileName(path)}:\n{error}");
    }

    /// <summary>One line the host writes (Segmentation.NotebookHost's HostReport).</summary>
    private sealed record HostReport(string? Cell, int? Index, List<CellOutput>? Outputs, string? Console, double? ElapsedMs, string? Failure, bool? Done);
}
