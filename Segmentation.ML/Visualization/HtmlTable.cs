using System.Globalization;
using System.Net;
using System.Text;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>Builds the small HTML tables of metrics and statistics: header, body rows, numbers right-aligned.</summary>
internal sealed class HtmlTable
{
    private readonly StringBuilder html = new();
    private readonly bool[] numeric;

    public HtmlTable(string cssClass, string? caption, params string[] headers)
    {
        numeric = headers.Select(h => h.StartsWith('#')).ToArray();
        html.Append($"<table class=\"{cssClass}\" style=\"border-collapse:collapse\">");
        if (caption is not null) html.Append("<caption style=\"text-align:left;caption-side:top\">").Append(Encode(caption)).Append("</caption>");
        html.Append("<thead><tr>");
        for (int i = 0; i < headers.Length; i++)
            html.Append(numeric[i] ? "<th style=\"text-align:right\">" : "<th style=\"text-align:left\">").Append(Encode(headers[i].TrimStart('#'))).Append("</th>");
        html.Append("</tr></thead><tbody>");
    }

    /// <summary>Adds a row; cells are HTML already (use <see cref="Encode"/> for text).</summary>
    public HtmlTable Row(params string[] cells)
    {
        html.Append("<tr>");
        for (int i = 0; i < cells.Length; i++)
            html.Append(numeric[i] ? "<td style=\"text-align:right\">" : "<td style=\"text-align:left\">").Append(cells[i]).Append("</td>");
        html.Append("</tr>");
        return this;
    }

    public override string ToString() => html.ToString() + "</tbody></table>";

    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A class name after a small square of its colour.</summary>
    public static string Swatch(string name, Rgb24? color) => color is not Rgb24 c
        ? Encode(name)
        : $"<span class=\"swatch\" style=\"display:inline-block;width:0.9em;height:0.9em;margin-right:0.4em;vertical-align:-0.1em;border:1px solid #6e6e6e;background:#{c.R:x2}{c.G:x2}{c.B:x2}\"></span>{Encode(name)}";

    public static string Percent(double? fraction) => fraction is double f ? (100 * f).ToString("F1", CultureInfo.InvariantCulture) : "—";

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
