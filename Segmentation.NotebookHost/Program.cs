using System.Diagnostics;
using Microsoft.DotNet.Interactive.Documents;
using Segmentation.NotebookHost;
using JupyterNotebook = Microsoft.DotNet.Interactive.Documents.Jupyter.Notebook;

// segml-notebook NOTEBOOK.ipynb [--set NAME=EXPRESSION]...
// Runs the notebook's code cells in order in the .NET Interactive C# kernel, in the notebook's folder, and writes one JSON
// line per cell to standard output; stops at the first cell that fails to compile, throws or shows an error.
// --set assigns a C# expression to a variable right after the cell tagged "parameters", as papermill injects parameters.
// Exit codes: 0 every cell ran, 1 a cell failed, 2 usage error.

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: segml-notebook NOTEBOOK.ipynb [--set NAME=EXPRESSION]...");
    return 2;
}
string path = Path.GetFullPath(args[0]);
var parameters = new List<(string Name, string Expression)>();
for (int i = 1; i < args.Length; i++)
{
    if (args[i] != "--set" || i + 1 == args.Length || args[i + 1].Split('=', 2) is not [{ Length: > 0 } variable, { } expression])
    {
        Console.Error.WriteLine($"'{args[i]}' is not understood: after the notebook only --set NAME=EXPRESSION may follow.");
        return 2;
    }
    parameters.Add((variable, expression));
    i++;
}
if (!File.Exists(path))
{
    Console.Error.WriteLine($"{path} does not exist.");
    return 2;
}

// The kernel captures Console.Out while cells run; reports go to the process's own standard output.
using var report = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
string name = Path.GetFileName(path);
var kernelInfos = new KernelInfoCollection { new("csharp", "C#", ["c#", "C#", "cs"]) };
kernelInfos.DefaultKernelName = "csharp";
InteractiveDocument document;
await using (var file = File.OpenRead(path)) document = JupyterNotebook.Read(file, kernelInfos);

Environment.CurrentDirectory = Path.GetDirectoryName(path)!;
using var kernel = NotebookKernel.Create();
var total = Stopwatch.StartNew();
foreach (var cell in NotebookCell.CodeCells(document))
{
    if (cell.Kernel is not ("csharp" or "C#" or "c#"))
    {
        report.WriteLine(new HostReport(Failure: $"{name} {cell} runs in the '{cell.Kernel}' kernel; the notebooks here are C# only.\n{cell.Excerpt()}").ToJsonLine());
        return 1;
    }
    var run = await CellRun.RunAsync(kernel, name, cell);
    if (run.Failure is null && parameters.Count > 0 && cell.Tags.Contains("parameters"))
    {
        var injected = await CellRun.RunAsync(kernel, name, cell with { Id = cell.Id + "-injected" }, string.Concat(parameters.Select(p => $"{p.Name} = {p.Expression};\n")));
        if (injected.Failure is { } failure)
        {
            report.WriteLine(new HostReport(Failure: failure).ToJsonLine());
            return 1;
        }
    }
    if (run.Failure is not null)
    {
        report.WriteLine(new HostReport(Failure: run.Failure).ToJsonLine());
        return 1;
    }
    report.WriteLine(new HostReport(cell.Id, cell.Index, run.Outputs, run.Console, run.Elapsed.TotalMilliseconds).ToJsonLine());
}
report.WriteLine(new HostReport(ElapsedMs: total.Elapsed.TotalMilliseconds, Done: true).ToJsonLine());
return 0;
