using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace Segmentation.ML.Tests.Notebooks;

/// <summary>What one code cell did: its outputs (displayed values, then the value of a final expression) and its time.</summary>
internal sealed record CellRun(NotebookCell Cell, IReadOnlyList<object?> Outputs, TimeSpan Elapsed);

/// <summary>A notebook run to the end: every code cell's outputs.</summary>
internal sealed class NotebookRun(Notebook notebook, IReadOnlyList<CellRun> cells, TimeSpan elapsed)
{
    public Notebook Notebook { get; } = notebook;

    public IReadOnlyList<CellRun> Cells { get; } = cells;

    public TimeSpan Elapsed { get; } = elapsed;

    /// <summary>The run of the code cell with id <paramref name="id"/>.</summary>
    public CellRun this[string id] => Cells.SingleOrDefault(c => c.Cell.Id == id) ?? throw new KeyNotFoundException($"{Notebook.Name} ran no code cell '{id}'.");

    /// <summary>The outputs of cell <paramref name="id"/> that are HTML.</summary>
    public IReadOnlyList<string> Html(string id) => this[id].Outputs.OfType<HtmlContent>().Select(h => h.Html).ToList();

    /// <summary>A page of the notebook as it ran: markdown as text, code, and each output (HTML as HTML), for looking at a run.</summary>
    public string ToHtml()
    {
        var page = new StringBuilder($"<!DOCTYPE html><html><head><meta charset=\"utf-8\"/><title>{Encode(Notebook.Name)}</title></head>" +
                                     "<body style=\"font-family:sans-serif;max-width:1500px;margin:16px auto\">");
        page.Append($"<h1>{Encode(Notebook.Name)}</h1><p>Ran in {Elapsed.TotalSeconds:F1} s.</p>");
        foreach (var cell in Notebook.Cells)
        {
            if (cell.Kind != "code")
            {
                page.Append("<pre style=\"white-space:pre-wrap;color:#333\">").Append(Encode(cell.Source)).Append("</pre>");
                continue;
            }
            page.Append("<pre style=\"background:#f4f4f4;padding:6px\">").Append(Encode(cell.Source)).Append("</pre>");
            var run = Cells.FirstOrDefault(c => c.Cell == cell);
            foreach (var output in run?.Outputs ?? [])
                page.Append("<div style=\"margin:6px 0 14px 0\">").Append(output is HtmlContent html ? html.Html : $"<pre>{Encode(output?.ToString() ?? "null")}</pre>").Append("</div>");
        }
        return page.Append("</body></html>").ToString();
    }

    private static string Encode(string text) => System.Net.WebUtility.HtmlEncode(text);
}

/// <summary>A cell that could not run: the message names the notebook, the cell and what went wrong.</summary>
internal sealed class NotebookCellException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Runs the C# cells of a Polyglot notebook in order with Roslyn scripting, as the .NET Interactive C# kernel does:
/// every cell is a submission continuing the previous one's state (variables, usings, types); <c>#r "file.dll"</c>
/// references an assembly by a path relative to the notebook; <c>#!</c> magic commands are honoured where they only
/// select the C# kernel or time a cell, and refused with a clear message otherwise; <c>display</c> and <c>HTML</c> are in
/// scope (<see cref="NotebookGlobals"/>); a cell ending in an expression shows its value; the working directory is
/// the notebook's folder while it runs.
/// </summary>
/// <remarks>
/// The working directory is process-wide, so notebook tests run in a collection that runs alone.
/// </remarks>
internal static partial class NotebookRunner
{
    // What the C# kernel imports before the first cell.
    private static readonly string[] KernelImports = ["System", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks"];

    // Magic commands that select this kernel or only report on the session: they change nothing a cell computes.
    private static readonly HashSet<string> HarmlessMagics = ["#!csharp", "#!c#", "#!C#", "#!about", "#!lsmagic", "#!who", "#!whos", "#!log"];

    /// <summary>
    /// Runs every C# code cell of the notebook at <paramref name="path"/> in order. After the cell tagged "parameters",
    /// <paramref name="parameters"/> (name → C# expression) are assigned, as papermill injects parameters.
    /// </summary>
    /// <exception cref="NotebookCellException">A cell failed to compile or threw; the message names the notebook, the cell and the error.</exception>
    public static async Task<NotebookRun> RunAsync(string path, IReadOnlyDictionary<string, string>? parameters = null, CancellationToken cancellation = default)
    {
        var notebook = Notebook.Load(path);
        string folder = Path.GetDirectoryName(notebook.Path)!;
        var globals = new NotebookGlobals();
        var options = ScriptOptions.Default
            .WithReferences(FrameworkReferences())
            .WithImports(KernelImports)
            .WithFilePath(notebook.Path)
            .WithEmitDebugInformation(false);
        ScriptState<object>? state = null;
        var runs = new List<CellRun>();
        var total = Stopwatch.StartNew();
        string previousDirectory = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder;
        try
        {
            foreach (var cell in notebook.Cells.Where(c => c.Kind == "code"))
            {
                var (code, references, timed) = Preprocess(notebook, cell, folder);
                options = options.AddReferences(references);
                globals.Outputs = [];
                var clock = Stopwatch.StartNew();
                state = await RunCellAsync(notebook, cell, code, state, options, globals, cancellation);
                if (state.ReturnValue is { } value) globals.Outputs.Add(value);
                if (timed) globals.Outputs.Add($"Wall time: {clock.Elapsed.TotalMilliseconds:F0} ms");
                runs.Add(new CellRun(cell, globals.Outputs, clock.Elapsed));

                if (parameters is { Count: > 0 } && cell.Tags.Contains("parameters"))
                {
                    string assignments = string.Concat(parameters.Select(p => $"{p.Key} = {p.Value};\n"));
                    state = await RunCellAsync(notebook, cell with { Id = cell.Id + "-injected" }, assignments, state, options, globals, cancellation);
                }
            }
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
        }
        return new NotebookRun(notebook, runs, total.Elapsed);
    }

    private static async Task<ScriptState<object>> RunCellAsync(Notebook notebook, NotebookCell cell, string code, ScriptState<object>? state,
        ScriptOptions options, NotebookGlobals globals, CancellationToken cancellation)
    {
        try
        {
            return state is null
                ? await CSharpScript.RunAsync(code, options, globals, typeof(NotebookGlobals), cancellation)
                : await state.ContinueWithAsync(code, options, cancellation);
        }
        catch (CompilationErrorException error)
        {
            throw new NotebookCellException($"{notebook.Name} {cell} does not compile:\n  {string.Join("\n  ", error.Diagnostics.Select(Describe))}\n{Excerpt(cell)}", error);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            throw new NotebookCellException($"{notebook.Name} {cell} threw {error.GetType().Name}: {error.Message}\n{Excerpt(cell)}\n{error}", error);
        }
    }

    /// <summary>The cell's code with its <c>#r</c> and <c>#!</c> lines blanked (keeping line numbers), the assemblies it references, and whether <c>#!time</c> asked for timing.</summary>
    /// <exception cref="NotebookCellException">The cell is in another kernel, restores a package, or uses a magic command the runner cannot honour.</exception>
    internal static (string Code, IReadOnlyList<MetadataReference> References, bool Timed) Preprocess(Notebook notebook, NotebookCell cell, string folder)
    {
        if (cell.Kernel is not ("csharp" or "C#" or "c#"))
            throw new NotebookCellException($"{notebook.Name} {cell} runs in the '{cell.Kernel}' kernel; the runner has the C# kernel only.");
        var lines = cell.Source.ReplaceLineEndings("\n").Split('\n');
        var references = new List<MetadataReference>();
        bool timed = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.StartsWith("#!", StringComparison.Ordinal))
            {
                string magic = line.Split(' ', 2)[0];
                if (magic == "#!time") timed = true;
                else if (!HarmlessMagics.Contains(magic))
                    throw new NotebookCellException($"{notebook.Name} {cell} line {i + 1}: '{magic}' switches to another kernel or needs a feature the runner lacks; it honours " +
                                                    $"#!time and {string.Join(", ", HarmlessMagics)}.");
                lines[i] = "";
            }
            else if (ReferenceDirective().Match(line) is { Success: true } reference)
            {
                string target = reference.Groups[1].Value;
                if (target.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase))
                    throw new NotebookCellException($"{notebook.Name} {cell} line {i + 1}: '#r \"{target}\"' restores a package, which the runner (offline) cannot; reference a built assembly with #r \"path/to/file.dll\".");
                string file = Path.GetFullPath(Path.Combine(folder, target));
                if (!File.Exists(file))
                    throw new NotebookCellException($"{notebook.Name} {cell} line {i + 1}: '#r \"{target}\"' names {file}, which does not exist. " +
                                                    "Build it first: dotnet build -c Release (the notebooks reference the Release build, as Polyglot users do).");
                references.Add(MetadataReference.CreateFromFile(file));
                lines[i] = "";
            }
            else if (line.StartsWith("#i ", StringComparison.Ordinal))
            {
                throw new NotebookCellException($"{notebook.Name} {cell} line {i + 1}: '#i' adds a package source, which the runner (offline) cannot use.");
            }
        }
        return (string.Join('\n', lines), references, timed);
    }

    [GeneratedRegex("""^#r\s+"([^"]+)"\s*$""")]
    private static partial Regex ReferenceDirective();

    /// <summary>The shared framework's assemblies, which the C# kernel references as a whole.</summary>
    private static IEnumerable<MetadataReference> FrameworkReferences()
    {
        string runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(file => Path.GetDirectoryName(file) == runtime)
            .Select(file => MetadataReference.CreateFromFile(file));
    }

    private static string Describe(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        return $"line {span.StartLinePosition.Line + 1}: {diagnostic.Id} {diagnostic.GetMessage()}";
    }

    private static string Excerpt(NotebookCell cell)
    {
        var lines = cell.Source.ReplaceLineEndings("\n").Split('\n');
        return "  | " + string.Join("\n  | ", lines.Take(12)) + (lines.Length > 12 ? $"\n  | … ({lines.Length - 12} more lines)" : "");
    }

    /// <summary>The folder of the repository's notebooks, found by walking up from the test assembly.</summary>
    public static string NotebooksFolder { get; } = Path.Combine(RepositoryFolder.Root, "notebooks");
}
