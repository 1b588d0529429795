using System.Net;
using System.Text;
using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>One image of a report: the picture, its ground truth and the model's prediction.</summary>
/// <param name="Name">The sample's id, shown as the caption and used in the file name.</param>
/// <param name="Image">The image.</param>
/// <param name="Truth">Its ground-truth labels.</param>
/// <param name="Prediction">The predicted labels, of the image's size.</param>
public sealed record ReportExample(string Name, RgbImage Image, LabelMap Truth, LabelMap Prediction);

/// <summary>
/// A self-contained HTML report of an evaluation, written to a folder: <c>index.html</c> with the summary metrics,
/// the per-class table, the confusion heatmap and the per-class IoU bars (inline SVG, each with what it plots in its
/// metadata) and side-by-side pictures of a few images, beside the pictures as files (<c>confusion.png</c>,
/// <c>class-iou.svg</c>, <c>class-iou.png</c>, <c>examples/*.png</c>) and the numbers (<c>metrics.json</c>,
/// <c>confusion.csv</c>). The page needs no script, no network and nothing outside its folder.
/// </summary>
public sealed class EvaluationReport
{
    /// <summary>The ids of the page's sections, in order: summary, per-class, confusion, class-iou, examples.</summary>
    public static IReadOnlyList<string> SectionIds { get; } = ["summary", "per-class", "confusion", "class-iou", "examples"];

    // Chart PNGs are for slides and documents: twice the page's resolution.
    private const int PngScale = 2;

    /// <summary>The evaluation to report.</summary>
    public required SegmentationMetrics Metrics { get; init; }

    /// <summary>The classes evaluated, for names and colours.</summary>
    public required SegmentationClassSet Classes { get; init; }

    /// <summary>The page's heading.</summary>
    public string Title { get; init; } = "Segmentation evaluation";

    /// <summary>Facts listed under the heading, in order (model, dataset, split, images, time, ...).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Details { get; init; } = [];

    /// <summary>Images shown side by side with their truth and prediction.</summary>
    public IReadOnlyList<ReportExample> Examples { get; init; } = [];

    /// <summary>
    /// Writes the report into <paramref name="directory"/>, built in a temporary sibling folder and moved into place, so
    /// the folder holds either the whole report or what it held before. A folder holding an earlier report is replaced;
    /// any other non-empty folder is refused.
    /// </summary>
    /// <exception cref="IOException">The path is a file or a non-empty folder that holds no report.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the move; nothing was changed.</exception>
    public void Save(string directory, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        AtomicWrite.Folder(directory, Build, IsReport, cancellation);

        void Build(string folder)
        {
            var heatmap = ConfusionHeatmap.Plot(Metrics, Classes);
            heatmap.SavePng(Path.Combine(folder, "confusion.png"), scale: PngScale);
            var iou = ClassCharts.IoU(Metrics, Classes);
            iou.SaveSvg(Path.Combine(folder, "class-iou.svg"));
            iou.SavePng(Path.Combine(folder, "class-iou.png"), scale: PngScale);
            AtomicWrite.Bytes(Path.Combine(folder, "metrics.json"), Encoding.UTF8.GetBytes(Metrics.ToJson()));
            AtomicWrite.Bytes(Path.Combine(folder, "confusion.csv"), Encoding.UTF8.GetBytes(Metrics.ConfusionToCsv()));
            Directory.CreateDirectory(Path.Combine(folder, "examples"));
            var examples = new List<(ReportExample Example, string File, Figure Figure)>();
            for (int i = 0; i < Examples.Count; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                var example = Examples[i];
                var figure = SideBySide.Plot(example.Image, example.Truth, example.Prediction, Classes, new SideBySideOptions { Caption = example.Name });
                string file = $"examples/{i + 1:D2}-{SafeName(example.Name)}.png";
                figure.SavePng(Path.Combine(folder, file));
                examples.Add((example, file, figure));
            }
            AtomicWrite.Bytes(Path.Combine(folder, "index.html"), new UTF8Encoding(false).GetBytes(Page(heatmap, iou, examples)));
        }
    }

    /// <summary>Refuses up front, before a long evaluation, a <paramref name="directory"/> that <see cref="Save"/> would refuse.</summary>
    /// <exception cref="IOException">The path is a file or a non-empty folder that holds no report; the message says what to give instead.</exception>
    public static void CheckTarget(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        AtomicWrite.CheckFolder(directory, IsReport);
    }

    private static bool IsReport(string folder) => File.Exists(Path.Combine(folder, "index.html")) && File.Exists(Path.Combine(folder, "confusion.png"));

    private string Page(Figure heatmap, Figure iou, List<(ReportExample Example, string File, Figure Figure)> examples)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
            .Append("<title>").Append(Encode(Title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n")
            .Append("<header><h1>").Append(Encode(Title)).Append("</h1>\n<dl class=\"details\">");
        foreach (var (name, value) in Details) html.Append("<dt>").Append(Encode(name)).Append("</dt><dd>").Append(Encode(value)).Append("</dd>");
        html.Append("</dl>\n<nav>")
            .AppendJoin(" · ", new[] { "Summary", "Per class", "Confusion matrix", "Per-class IoU", "Examples" }.Select((t, i) => $"<a href=\"#{SectionIds[i]}\">{t}</a>"))
            .Append("</nav></header>\n<main>\n");

        Section(html, "summary", "Summary", Metrics.SummaryToHtml(),
            "Pixel accuracy counts every labelled pixel; the class means weigh each class equally, so small classes count as much as the road.");
        Section(html, "per-class", "Per class", Metrics.PerClassToHtml(Classes),
            "Recall is the class accuracy. Absent classes (neither in the truth nor predicted) are left out of every mean; predicted-only ones count in mean precision and mean IoU.");
        Section(html, "confusion", "Confusion matrix", heatmap.ToSvg() + Files("confusion.png", "confusion.csv"),
            "Row i, column j: the share of class i's pixels predicted as class j. The diagonal is each class's recall.");
        Section(html, "class-iou", "Per-class IoU", iou.ToSvg() + Files("class-iou.svg", "class-iou.png"),
            "IoU = correct / (truth + predicted − correct) per class; the dashed line is the mean IoU.");
        var pictures = new StringBuilder();
        foreach (var (example, file, figure) in examples)
            pictures.Append("<figure><img src=\"").Append(file).Append("\" width=\"").Append(figure.Width).Append("\" height=\"").Append(figure.Height)
                .Append("\" alt=\"").Append(Encode(figure.Title)).Append("\"/><figcaption>").Append(Encode(example.Name)).Append("</figcaption></figure>\n");
        Section(html, "examples", "Examples", examples.Count == 0 ? "<p>No examples were requested.</p>" : pictures.ToString(),
            "Image, ground truth and prediction in the class colours; ignored pixels keep the ignore label's colour.");
        html.Append("</main>\n<footer>Written by Segmentation.ML on ").Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture))
            .Append(".</footer>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Section(StringBuilder html, string id, string heading, string body, string note) =>
        html.Append("<section id=\"").Append(id).Append("\">\n<h2>").Append(Encode(heading)).Append("</h2>\n")
            .Append(body).Append("\n<p class=\"note\">").Append(Encode(note)).Append("</p>\n</section>\n");

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Files(params string[] files) =>
        "\n<p class=\"files\">" + string.Join(" · ", files.Select(f => $"<a href=\"{f}\">{f}</a>")) + "</p>";

    private static string SafeName(string name)
    {
        var safe = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray()).Trim('.');
        return safe.Length == 0 ? "image" : safe.Length > 60 ? safe[..60] : safe;
    }

    private const string Style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1600px; padding: 0 16px; color: #212121; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; }
        h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 1.6em; }
        dl.details { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 0.6em 0; }
        dl.details dt { color: #6e6e6e; }
        dl.details dd { margin: 0; font-family: ui-monospace, monospace; }
        nav a { color: #1f77b4; }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th, td { padding: 3px 12px; border-bottom: 1px solid #e6e6e6; }
        th { background: #f5f5f5; }
        figure { display: inline-block; margin: 0 16px 16px 0; vertical-align: top; }
        figcaption { color: #6e6e6e; font-size: 0.9em; }
        img { image-rendering: pixelated; }
        p.note { color: #6e6e6e; font-size: 0.9em; max-width: 60em; }
        p.files { font-size: 0.85em; margin: 0.2em 0; }
        p.files a { color: #1f77b4; }
        footer { margin-top: 2em; color: #9e9e9e; font-size: 0.85em; }
        """;
}
