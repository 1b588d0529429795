using System.Net;
using System.Text;

namespace Segmentation.ML.Tests.Notebooks;

/// <summary>A notebook run to the end in the kernel: every code cell's outputs.</summary>
internal sealed class NotebookRun(string path, IReadOnlyList<CellRun> cells, TimeSpan elapsed)
{
    /// <summary>The notebook's file name.</summary>
    public string Name { get; } = System.IO.Path.GetFileName(path);

    /// <summary>The .ipynb file.</summary>
    public string Path { get; } = path;

    /// <summary>Every code cell, in order.</summary>
    public IReadOnlyList<CellRun> Cells { get; } = cells;

    /// <summary>The run's wall time, from the kernel's start.</summary>
    public TimeSpan Elapsed { get; } = elapsed;

    /// <summary>The run of the code cell with id <paramref name="id"/>.</summary>
    public CellRun this[string id] => Cells.SingleOrDefault(c => c.Id == id) ?? throw new KeyNotFoundException($"{Name} ran no code cell '{id}'.");

    /// <summary>The HTML outputs (text/html) of cell <paramref name="id"/>.</summary>
    public IReadOnlyList<string> Html(string id) => this[id].Outputs.Select(o => o.Html).OfType<string>().ToList();

    /// <summary>A page of the outputs as they ran, cell by cell (HTML as HTML), for looking at a run.</summary>
    public string ToHtml()
    {
        var page = new StringBuilder($"<!DOCTYPE html><html><head><meta charset=\"utf-8\"/><title>{Encode(Name)}</title></head>" +
                                     "<body style=\"font-family:sans-serif;max-width:1500px;margin:16px auto\">");
        page.Append($"<h1>{Encode(Name)}</h1><p>Ran in {Elapsed.TotalSeconds:F1} s.</p>");
        foreach (var cell in Cells)
        {
            page.Append($"<h3 style=\"color:#555\">cell {cell.Index} ('{Encode(cell.Id)}'), {cell.Elapsed.TotalSeconds:F1} s</h3>");
            foreach (var output in cell.Outputs)
                page.Append("<div style=\"margin:6px 0 14px 0\">").Append(output.Html ?? $"<pre>{Encode(output.Text ?? "")}</pre>").Append("</div>");
            if (cell.Console.Length > 0) page.Append("<pre style=\"color:#666\">").Append(Encode(cell.Console)).Append("</pre>");
        }
        return page.Append("</body></html>").ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
