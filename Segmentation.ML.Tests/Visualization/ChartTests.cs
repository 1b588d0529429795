using System.Globalization;
using System.Xml.Linq;
using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Imaging;
using Segmentation.ML.Visualization;

namespace Segmentation.ML.Tests.Visualization;

/// <summary>The charts as SVG parsed with System.Xml — one bar per class, one polyline per series — and as the PNG of the same drawing.</summary>
public sealed class ChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>Sky, road, car in the truth; bus only predicted; tree nowhere.</summary>
    private static SegmentationMetrics Metrics()
    {
        var matrix = new ConfusionMatrix(5, 255);
        matrix.Add([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 255], [0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 4, 0]);
        return matrix.ComputeMetrics(["sky", "road", "car", "tree", "bus"]);
    }

    private static readonly SegmentationClassSet Classes = new("five", ["sky", "road", "car", "tree", "bus"], 255,
        new Palette([new(70, 130, 180), new(128, 64, 128), new(0, 0, 142), new(107, 142, 35), new(0, 60, 100)]));

    private static double Number(XElement element, string attribute) => double.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    private static Rgb24 Colour(string hex) => new(Convert.ToByte(hex[1..3], 16), Convert.ToByte(hex[3..5], 16), Convert.ToByte(hex[5..7], 16));

    [Fact]
    public void IoUChartHasOneBarPerClassWithAnIoUSizedByItInThePaletteColour()
    {
        var metrics = Metrics();
        var figure = ClassCharts.IoU(metrics, Classes);
        var svg = XDocument.Parse(figure.ToSvg()).Root!;
        Assert.Equal(Svg + "svg", svg.Name);
        Assert.Equal(figure.Width.ToString(CultureInfo.InvariantCulture), svg.Attribute("width")!.Value);

        var bars = svg.Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "bar").ToList();
        var withIoU = metrics.PerClass.Where(r => r.IoU is not null).ToList();
        Assert.Equal(4, withIoU.Count);
        Assert.Equal(withIoU.Count, bars.Count);
        var axis = svg.Descendants(Svg + "text").Single(t => (string?)t.Attribute("class") == "axis-label");
        Assert.Equal("IoU (%)", axis.Value);
        var texts = svg.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("absent", texts);
        Assert.Contains(texts, t => t.StartsWith("mean ", StringComparison.Ordinal));

        double? fullWidth = null;
        foreach (var (bar, row) in bars.Zip(withIoU))
        {
            Assert.StartsWith(row.Name + ":", (string)bar.Attribute("data-name")!);
            Assert.Equal(Classes.Palette![row.Index], Colour(bar.Attribute("fill")!.Value));
            // Widths are proportional to IoU; the SVG rect is inset half a unit each side for its stroke.
            double width = Number(bar, "width") + 1;
            if (row.IoU > 0.1) fullWidth ??= width / row.IoU.Value;
            if (fullWidth is double full && row.IoU > 0.1) Assert.Equal(row.IoU!.Value, width / full, 2);
        }

        // The PNG is the same drawing: the middle of each bar has its fill colour.
        var picture = figure.ToImage(scale: 2);
        Assert.Equal((2 * figure.Width, 2 * figure.Height), (picture.Width, picture.Height));
        foreach (var bar in bars.Where(b => Number(b, "width") > 4))
        {
            int x = (int)(2 * (Number(bar, "x") + Number(bar, "width") / 2)), y = (int)(2 * (Number(bar, "y") + Number(bar, "height") / 2));
            Assert.Equal(Colour(bar.Attribute("fill")!.Value), picture.GetPixel(x, y));
        }
    }

    [Fact]
    public void PixelShareChartHasOneBarPerClass()
    {
        var root = Path.Combine(Path.GetTempPath(), $"segml-shares-{Guid.NewGuid():N}");
        try
        {
            SyntheticScenes.Generate(root, trainCount: 4, valCount: 1, width: 48, height: 36, seed: 3);
            var statistics = DatasetStatistics.Compute(FolderDataset.Open(root, "train"));
            var svg = XDocument.Parse(ClassCharts.PixelShares(statistics).ToSvg()).Root!;
            var bars = svg.Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "bar").ToList();
            Assert.Equal(SyntheticScenes.Classes.ClassNames, bars.Select(b => ((string)b.Attribute("data-name")!).Split(':')[0]).ToArray());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void TrainingCurvesDrawOneSeriesPerQuantityWithAPointPerEpochAndMarkStageB()
    {
        var reports = new List<EpochReport>();
        for (int e = 1; e <= 6; e++) reports.Add(new EpochReport("A", e, 2.0 / e, 0.01f, 2.2 / e, 0.5 + 0.05 * e, 0.3 + 0.04 * e, TimeSpan.FromSeconds(e)));
        for (int e = 1; e <= 2; e++) reports.Add(new EpochReport("B", e, 0.3 - 0.01 * e, 0.001f, 0.35, 0.85, 0.6, TimeSpan.FromSeconds(6 + e)));
        var svg = XDocument.Parse(TrainingCurves.Plot(reports).ToSvg()).Root!;

        var series = svg.Descendants(Svg + "polyline").Where(p => (string?)p.Attribute("class") == "series")
            .ToDictionary(p => (string)p.Attribute("data-name")!, p => p.Attribute("points")!.Value.Split(' ')
                .Select(q => q.Split(',')).Select(q => (X: double.Parse(q[0], CultureInfo.InvariantCulture), Y: double.Parse(q[1], CultureInfo.InvariantCulture))).ToList());
        Assert.Equal(["train loss, stage A", "train loss, stage B", "val loss, sampled pixels", "val accuracy, sampled pixels", "val mean IoU, whole images"], series.Keys);
        Assert.Equal(6, series["train loss, stage A"].Count);
        Assert.Equal(2, series["train loss, stage B"].Count);
        Assert.Equal(8, series["val loss, sampled pixels"].Count);
        Assert.Equal(8, series["val mean IoU, whole images"].Count);
        // SVG y grows downwards: a falling loss climbs down the page, a rising accuracy climbs up; epochs go left to right.
        var stageA = series["train loss, stage A"];
        Assert.True(stageA.Zip(stageA.Skip(1)).All(p => p.Second.Y > p.First.Y && p.Second.X > p.First.X));
        var accuracy = series["val accuracy, sampled pixels"];
        Assert.True(accuracy.Take(6).Zip(accuracy.Skip(1).Take(5)).All(p => p.Second.Y < p.First.Y));
        Assert.True(series["train loss, stage B"][0].X > stageA[^1].X);

        var boundaries = svg.Descendants(Svg + "line").Where(l => (string?)l.Attribute("class") == "stage-boundary").ToList();
        Assert.Equal(2, boundaries.Count);
        // In each panel, between the last stage-A epoch and the first stage-B epoch.
        Assert.InRange(Number(boundaries[0], "x1"), stageA[^1].X, series["train loss, stage B"][0].X);
        Assert.InRange(Number(boundaries[1], "x1"), accuracy[5].X, accuracy[6].X);
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "epoch");
    }

    [Fact]
    public void TrainingCurvesWithoutValidationSayHowToGetIt()
    {
        var reports = Enumerable.Range(1, 3).Select(e => new EpochReport("A", e, 1.0 / e, 0.01f, null, null, null, TimeSpan.Zero)).ToList();
        var svg = XDocument.Parse(TrainingCurves.Plot(reports).ToSvg()).Root!;
        Assert.Single(svg.Descendants(Svg + "polyline"));
        Assert.DoesNotContain(svg.Descendants(Svg + "line"), l => (string?)l.Attribute("class") == "stage-boundary");
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value.Contains("ValidationData", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => TrainingCurves.Plot([]));
    }

    [Fact]
    public void HeatmapSvgHasASquareOfNamedCells()
    {
        var metrics = Metrics();
        var svg = XDocument.Parse(ConfusionHeatmap.Plot(metrics, Classes).ToSvg()).Root!;
        var cells = svg.Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "cell").ToList();
        Assert.Equal(25, cells.Count);
        Assert.StartsWith("truth sky, predicted sky: 75.0 %", (string)cells[0].Attribute("data-name")!);
        Assert.Equal(["sky", "road", "car", "tree", "bus"], svg.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "row-label").Select(t => t.Value));
        Assert.Equal(5, svg.Descendants(Svg + "text").Count(t => (string?)t.Attribute("class") == "column-label" && ((string)t.Attribute("transform")!).StartsWith("rotate(-90", StringComparison.Ordinal)));
    }

    [Fact]
    public void SvgAsksForItsDisplaySizeButKeepsItsDrawingUnits()
    {
        var figure = ClassCharts.IoU(Metrics(), Classes);
        var svg = XDocument.Parse(figure.ToSvg(displayScale: 2)).Root!;
        Assert.Equal(2 * figure.Width, Number(svg, "width"));
        Assert.Equal($"0 0 {figure.Width} {figure.Height}", svg.Attribute("viewBox")!.Value);
        Assert.Throws<ArgumentOutOfRangeException>(() => figure.ToSvg(displayScale: 0));
    }
}
