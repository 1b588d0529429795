using System.Text.Json.Nodes;

namespace Segmentation.ML.Tests.Notebooks;

/// <summary>One cell of a notebook: its kind, its kernel (for code cells) and its source.</summary>
/// <param name="Index">Position among all the notebook's cells, from 1 (as the notebook editors count).</param>
/// <param name="Id">The nbformat 4.5 cell id.</param>
/// <param name="Kind">"code", "markdown" or "raw".</param>
/// <param name="Kernel">The kernel that runs a code cell ("csharp", "fsharp", ...); the notebook's default when the cell names none.</param>
/// <param name="Source">The cell's text.</param>
/// <param name="Tags">The cell's tags (e.g. "parameters").</param>
internal sealed record NotebookCell(int Index, string Id, string Kind, string Kernel, string Source, IReadOnlyList<string> Tags)
{
    /// <summary>"cell 4 ('load')": how failures name the cell.</summary>
    public override string ToString() => $"cell {Index} ('{Id}')";
}

/// <summary>
/// A Polyglot (.NET Interactive) notebook read from its .ipynb file: nbformat 4 JSON whose code cells name their kernel in
/// <c>metadata.dotnet_interactive.language</c> or <c>metadata.polyglot_notebook.kernelName</c>.
/// </summary>
internal sealed class Notebook
{
    private Notebook(string path, string kernelSpec, string defaultKernel, IReadOnlyList<NotebookCell> cells)
    {
        Path = path;
        KernelSpec = kernelSpec;
        DefaultKernel = defaultKernel;
        Cells = cells;
    }

    /// <summary>The .ipynb file.</summary>
    public string Path { get; }

    /// <summary>The file name, for messages.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>The kernelspec name (".net-csharp" for C# Polyglot notebooks).</summary>
    public string KernelSpec { get; }

    /// <summary>The kernel of cells that name none.</summary>
    public string DefaultKernel { get; }

    /// <summary>Every cell, in order.</summary>
    public IReadOnlyList<NotebookCell> Cells { get; }

    /// <summary>The cell with id <paramref name="id"/>.</summary>
    public NotebookCell this[string id] => Cells.SingleOrDefault(c => c.Id == id) ?? throw new KeyNotFoundException($"{Name} has no cell '{id}'; its ids are {string.Join(", ", Cells.Select(c => c.Id))}.");

    /// <exception cref="FormatException">The file is not nbformat 4 JSON with a cells array.</exception>
    public static Notebook Load(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new FormatException($"{path} is empty.");
        if (root["nbformat"]?.GetValue<int>() != 4) throw new FormatException($"{path} is not an nbformat 4 notebook (nbformat is {root["nbformat"]?.ToJsonString() ?? "missing"}).");
        var metadata = root["metadata"]?.AsObject();
        string kernelSpec = metadata?["kernelspec"]?["name"]?.GetValue<string>() ?? "";
        string defaultKernel = metadata?["polyglot_notebook"]?["kernelInfo"]?["defaultKernelName"]?.GetValue<string>()
            ?? (kernelSpec == ".net-csharp" ? "csharp" : metadata?["kernelspec"]?["language"]?.GetValue<string>() ?? "csharp");
        var cells = (root["cells"] as JsonArray ?? throw new FormatException($"{path} has no cells array.")).Select((node, i) =>
        {
            var cell = node!.AsObject();
            var cellMetadata = cell["metadata"]?.AsObject();
            string kernel = cellMetadata?["dotnet_interactive"]?["language"]?.GetValue<string>()
                ?? cellMetadata?["polyglot_notebook"]?["kernelName"]?.GetValue<string>() ?? defaultKernel;
            string source = cell["source"] switch
            {
                JsonArray lines => string.Concat(lines.Select(l => l!.GetValue<string>())),
                JsonValue text => text.GetValue<string>(),
                _ => "",
            };
            var tags = (cellMetadata?["tags"] as JsonArray)?.Select(t => t!.GetValue<string>()).ToArray() ?? [];
            return new NotebookCell(i + 1, cell["id"]?.GetValue<string>() ?? $"#{i + 1}", cell["cell_type"]!.GetValue<string>(), kernel, source, tags);
        }).ToList();
        return new Notebook(System.IO.Path.GetFullPath(path), kernelSpec, defaultKernel, cells);
    }
}
