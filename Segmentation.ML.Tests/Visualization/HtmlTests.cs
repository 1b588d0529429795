using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Data.Analysis;
using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Imaging;
using Segmentation.ML.Visualization;

namespace Segmentation.ML.Tests.Visualization;

/// <summary>The HTML that notebooks display: tables with a row per class, images that decode back to their pixels.</summary>
public sealed partial class HtmlTests
{
    /// <summary>Parses an HTML fragment the library writes (it is well-formed XML) under one root.</summary>
    internal static XElement Parse(string html) => XElement.Parse($"<root>{html}</root>");

    internal static List<XElement> BodyRows(XElement table) => table.Element("tbody")!.Elements("tr").ToList();

    /// <summary>The pixels of the PNG in an <c>&lt;img src="data:image/png;base64,..."&gt;</c>.</summary>
    internal static RgbImage DecodeImg(XElement img)
    {
        var match = DataUri().Match(img.Attribute("src")!.Value);
        Assert.True(match.Success, "The image should be an inline PNG data URI.");
        return ImageDecoder.DecodeRgb(Convert.FromBase64String(match.Groups[1].Value));
    }

    [GeneratedRegex("^data:image/png;base64,(.+)$")]
    private static partial Regex DataUri();

    [Fact]
    public void MetricsHtmlHasTheSummaryRowsAndOneRowPerClassWithPaletteSwatches()
    {
        var matrix = new ConfusionMatrix(3, 255);
        matrix.Add([0, 0, 1, 1, 255], [0, 1, 1, 1, 2]);
        var metrics = matrix.ComputeMetrics(["sky", "road", "a & b"]);
        var classes = new SegmentationClassSet("three", ["sky", "road", "a & b"], 255, new Palette([new(70, 130, 180), new(128, 64, 128), new(1, 2, 3)]));
        var html = Parse(metrics.ToHtml(classes));

        var tables = html.Descendants("table").ToList();
        Assert.Equal(["segml-summary", "segml-per-class"], tables.Select(t => (string)t.Attribute("class")!));
        var summary = BodyRows(tables[0]);
        Assert.Equal(7, summary.Count);
        Assert.Equal("75.0 %", summary[0].Elements("td").Last().Value);
        var perClass = BodyRows(tables[1]);
        Assert.Equal(3, perClass.Count);
        Assert.Equal("a & b (absent)", perClass[2].Elements("td").First().Value);
        Assert.Equal(["road", "2", "3", "66.7", "100.0", "66.7"], perClass[1].Elements("td").Select(td => td.Value.Trim()));
        var swatches = html.Descendants("span").Where(s => (string?)s.Attribute("class") == "swatch").Select(s => (string)s.Attribute("style")!).ToList();
        Assert.Equal(3, swatches.Count);
        Assert.Contains("background:#4682b4", swatches[0]);
        Assert.Contains("background:#010203", swatches[2]);
    }

    [Fact]
    public void ImageHtmlCarriesThePixelsAndTheSize()
    {
        var (image, _) = SyntheticScenes.Scene(new Random(4), 40, 32);
        var img = Parse(image.ToHtml("scene")).Element("img")!;
        Assert.Equal("40", img.Attribute("width")!.Value);
        Assert.Equal("32", img.Attribute("height")!.Value);
        Assert.Equal("scene", img.Attribute("alt")!.Value);
        Assert.Equal(image.Pixels.ToArray(), DecodeImg(img).Pixels.ToArray());
    }

    [Fact]
    public void FigureHtmlIsInlineSvgForChartsAndAPngForPictures()
    {
        var matrix = new ConfusionMatrix(2, null);
        matrix.Add([0, 1], [0, 0]);
        var chart = ClassCharts.IoU(matrix.ComputeMetrics());
        Assert.False(chart.HasImages);
        Assert.Equal("svg", Parse(chart.ToHtml()).Elements().Single().Name.LocalName);

        var (image, truth) = SyntheticScenes.Scene(new Random(4), 40, 32);
        var picture = SideBySide.Plot(image, truth, SyntheticScenes.Classes);
        Assert.True(picture.HasImages);
        var decoded = DecodeImg(Parse(picture.ToHtml()).Element("img")!);
        Assert.Equal((picture.Width, picture.Height), (decoded.Width, decoded.Height));
        Assert.Equal(picture.ToImage().Pixels.ToArray(), decoded.Pixels.ToArray());
    }

    [Fact]
    public void StatisticsHtmlHasOneRowPerClassUnderACaptionOfTheSplit()
    {
        var root = Path.Combine(Path.GetTempPath(), $"segml-stats-html-{Guid.NewGuid():N}");
        try
        {
            SyntheticScenes.Generate(root, trainCount: 3, valCount: 1, width: 40, height: 32, seed: 2);
            var statistics = DatasetStatistics.Compute(FolderDataset.Open(root, "train"));
            var table = Parse(statistics.ToHtml()).Element("table")!;
            Assert.StartsWith("synthetic scenes: 3 images, 3,840 pixels", table.Element("caption")!.Value);
            var rows = BodyRows(table);
            Assert.Equal(SyntheticScenes.Classes.ClassNames, rows.Select(r => r.Elements("td").First().Value));
            Assert.Equal(statistics.PixelCounts.Sum(), rows.Sum(r => long.Parse(r.Elements("td").ElementAt(1).Value.Replace(",", ""))));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void DataFrameHtmlShowsTheFirstRowsWithNumbersRightAlignedAndMissingValuesMarked()
    {
        var frame = new DataFrame(
            new StringDataFrameColumn("Id", ["a<1>", "b", "c"]),
            new Int32DataFrameColumn("Images", [3, 12, 7]),
            new DoubleDataFrameColumn("IoU", new double?[] { 0.123456, null, 1 }));
        var table = Parse(frame.ToHtml(maxRows: 2)).Element("table")!;
        Assert.Equal("first 2 of 3 rows", table.Element("caption")!.Value);
        Assert.Equal(["Id", "Images", "IoU"], table.Descendants("th").Select(th => th.Value));
        var rows = BodyRows(table);
        Assert.Equal(2, rows.Count);
        Assert.Equal(["a<1>", "3", "0.1235"], rows[0].Elements("td").Select(td => td.Value));
        Assert.Equal(["b", "12", "—"], rows[1].Elements("td").Select(td => td.Value));
        Assert.Equal(["left", "right", "right"], rows[0].Elements("td").Select(td => ((string)td.Attribute("style")!).Split(':')[1]));
        Assert.Null(Parse(frame.ToHtml()).Element("table")!.Element("caption"));
    }
}
