using System.Text.Json;
using Microsoft.DotNet.Interactive.Documents;

namespace Segmentation.NotebookHost;

/// <summary>A code cell of a notebook, as failures name it: its position, id, tags and first lines.</summary>
/// <param name="Index">Position among all the notebook's cells, from 1 (as notebook editors count).</param>
/// <param name="Id">The nbformat cell id.</param>
/// <param name="Tags">The cell's tags (e.g. "parameters").</param>
/// <param name="Kernel">The kernel the cell names ("csharp", ...).</param>
/// <param name="Source">The cell's code.</param>
internal sealed record NotebookCell(int Index, string Id, IReadOnlyList<string> Tags, string Kernel, string Source)
{
    /// <summary>The code cells of a document read with <see cref="Microsoft.DotNet.Interactive.Documents.Jupyter.Notebook.Read"/>, in order.</summary>
    public static IReadOnlyList<NotebookCell> CodeCells(InteractiveDocument document) =>
        document.Elements
            .Select((element, i) => (Element: element, Index: i + 1))
            .Where(e => e.Element.KernelName is not ("markdown" or "md"))
            .Select(e => new NotebookCell(e.Index, e.Element.Id ?? $"#{e.Index}", TagsOf(e.Element), e.Element.KernelName ?? "", e.Element.Contents))
            .ToList();

    /// <summary>"cell 4 ('load')", or "cell 3 ('parameters', tagged parameters)": how failures name the cell.</summary>
    public override string ToString() => $"cell {Index} ('{Id}'{(Tags.Count > 0 ? ", tagged " + string.Join(", ", Tags) : "")})";

    /// <summary>The cell's first lines, quoted, for failure messages.</summary>
    public string Excerpt(int lines = 12)
    {
        var all = Source.ReplaceLineEndings("\n").Split('\n');
        return "  | " + string.Join("\n  | ", all.Take(lines)) + (all.Length > lines ? $"\n  | … ({all.Length - lines} more lines)" : "");
    }

    private static IReadOnlyList<string> TagsOf(InteractiveDocumentElement element) =>
        element.Metadata?.TryGetValue("tags", out var tags) == true ? tags switch
        {
            JsonElement { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().Select(t => t.GetString() ?? "").ToList(),
            IEnumerable<object> list => list.Select(t => t?.ToString() ?? "").ToList(),
            _ => [],
        } : [];
}
