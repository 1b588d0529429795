using System.Net;
using System.Text;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Data;

/// <summary>The first rows of a data view, for looking at in a notebook or a debugger.</summary>
public sealed class DataPreview(DataViewSchema schema, IReadOnlyList<IReadOnlyDictionary<string, object?>> rows)
{
    /// <summary>The schema of the previewed view.</summary>
    public DataViewSchema Schema { get; } = schema;

    /// <summary>Up to the requested number of rows: column name → value (images and tensors described, not copied).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows { get; } = rows;

    /// <summary>A plain-text table.</summary>
    public override string ToString()
    {
        var columns = Schema.Visible.Select(c => c.Name).ToArray();
        var text = new StringBuilder().AppendLine(string.Join(" | ", columns));
        foreach (var row in Rows) text.AppendLine(string.Join(" | ", columns.Select(c => Describe(row[c]))));
        return text.ToString();
    }

    /// <summary>An HTML table (the notebook formatter's output).</summary>
    public string ToHtml()
    {
        var columns = Schema.Visible.ToArray();
        var html = new StringBuilder("<table><thead><tr>");
        foreach (var column in columns) html.Append("<th>").Append(WebUtility.HtmlEncode(column.Name)).Append("<br/><small>").Append(WebUtility.HtmlEncode(column.Type.ToString())).Append("</small></th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in Rows)
        {
            html.Append("<tr>");
            foreach (var column in columns) html.Append("<td>").Append(WebUtility.HtmlEncode(Describe(row[column.Name]))).Append("</td>");
            html.Append("</tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    internal static string Describe(object? value) => value switch
    {
        null => "",
        RgbImage image => $"RGB {image.Width}×{image.Height}",
        LabelMap map => $"labels {map.Width}×{map.Height}",
        float[] vector => vector.Length <= 6 ? $"[{string.Join(", ", vector.Select(v => v.ToString("G4")))}]" : $"[{string.Join(", ", vector.Take(5).Select(v => v.ToString("G4")))}, … ({vector.Length})]",
        _ => value.ToString() ?? "",
    };
}
