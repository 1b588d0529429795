using System.Text.RegularExpressions;
using System.Xml.Linq;
using Segmentation.ML.Imaging;
using Segmentation.ML.Tests.Visualization;

namespace Segmentation.ML.Tests.Notebooks;

/// <summary>Reads the figures out of a notebook cell's HTML outputs.</summary>
internal static partial class NotebookOutputs
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>The folder of the repository's notebooks.</summary>
    public static string NotebooksFolder { get; } = Path.Combine(RepositoryFolder.Root, "notebooks");

    /// <summary>
    /// Runs a notebook of the repository in the kernel against the library's package and keeps a page of its outputs
    /// beside the test assembly (notebook-runs/NAME[.parameter=value].html).
    /// </summary>
    public static async Task<NotebookRun> RunAsync(NotebookWorkFolder work, string name, IReadOnlyDictionary<string, string>? parameters = null)
    {
        var run = await NotebookHost.RunAsync(Path.Combine(NotebooksFolder, name), parameters, work.Package);
        string pages = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "notebook-runs")).FullName;
        string suffix = string.Concat((parameters ?? new Dictionary<string, string>()).Select(p => $".{p.Key}={p.Value.Trim('"')}"));
        File.WriteAllText(Path.Combine(pages, Path.GetFileNameWithoutExtension(name) + suffix + ".html"), run.ToHtml());
        return run;
    }

    /// <summary>The body rows of each HTML table in the outputs.</summary>
    public static List<List<XElement>> TableRows(IEnumerable<string> html) =>
        html.Select(HtmlTests.Parse).SelectMany(root => root.DescendantsAndSelf("table")).Select(HtmlTests.BodyRows).ToList();

    /// <summary>The inline PNG images in the outputs, decoded, with their alt text.</summary>
    public static List<(RgbImage Image, string Alt)> Images(IEnumerable<string> html) =>
        html.Select(HtmlTests.Parse).SelectMany(root => root.Descendants("img")).Select(img => (HtmlTests.DecodeImg(img), (string)img.Attribute("alt")!)).ToList();

    /// <summary>The inline SVG figures in the outputs.</summary>
    public static List<XElement> Svgs(IEnumerable<string> html) =>
        html.Select(HtmlTests.Parse).SelectMany(root => root.Elements(Svg + "svg")).ToList();

    /// <summary>The marks of one kind (bar, point, swatch, ...) that a figure's SVG says it plots.</summary>
    public static List<XElement> Marks(XElement svg, string mark) => FigureMarks.All(svg, mark);

    /// <summary>The number in a percentage cell such as "91.3 %".</summary>
    public static double Percent(XElement cell) => double.Parse(PercentNumber().Match(cell.Value).Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\d+(\.\d+)?")]
    private static partial Regex PercentNumber();
}
