using System.Xml.Linq;
using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Imaging;
using Segmentation.ML.Visualization;
using static Segmentation.ML.Tests.Visualization.FigureMarks;

namespace Segmentation.ML.Tests.Visualization;

/// <summary>
/// The OxyPlot charts: what their SVG says it plots (one bar per class, one point per epoch per series, the mean, every
/// heatmap cell) equals the metrics, the text is text, and the PNG is the same drawing.
/// </summary>
public sealed class ChartTests
{
    /// <summary>Sky, road, car in the truth; bus only predicted; tree nowhere.</summary>
    private static SegmentationMetrics Metrics()
    {
        var matrix = new ConfusionMatrix(5, 255);
        matrix.Add([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 255], [0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 4, 0]);
        return matrix.ComputeMetrics(["sky", "road", "car", "tree", "bus"]);
    }

    private static readonly SegmentationClassSet Classes = new("five", ["sky", "road", "car", "tree", "bus"], 255,
        new Palette([new(70, 130, 180), new(128, 64, 128), new(0, 0, 142), new(107, 142, 35), new(0, 60, 100)]));

    [Fact]
    public void IoUChartHasOneBarPerClassWithItsIoUInThePaletteColourAndTheMeanMarked()
    {
        var metrics = Metrics();
        var figure = ClassCharts.IoU(metrics, Classes);
        var svg = XElement.Parse(figure.ToSvg());
        Assert.Equal("class-iou", Kind(svg));
        Assert.Equal(figure.Width.ToString(System.Globalization.CultureInfo.InvariantCulture), svg.Attribute("width")!.Value);

        var bars = All(svg, "bar");
        var withIoU = metrics.PerClass.Where(r => r.IoU is not null).ToList();
        Assert.Equal(4, withIoU.Count);
        Assert.Equal(withIoU.Select(r => r.Name), bars.Select(b => (string)b.Attribute("label")!));
        Assert.Equal(withIoU.Select(r => r.IoU!.Value * 100), bars.Select(b => Number(b, "value")));
        Assert.Equal(withIoU.Select(r => Classes.Palette![r.Index]), bars.Select(Colour));
        Assert.Equal("predicted only", (string)bars.Single(b => (string)b.Attribute("label")! == "bus").Attribute("note")!);
        var absent = Assert.Single(All(svg, "absent"));
        Assert.Equal(("tree", "absent"), ((string)absent.Attribute("label")!, (string)absent.Attribute("note")!));
        Assert.Equal(metrics.MeanIoU * 100, Number(All(svg, "reference").Single(), "value"));

        // Bars grow from one axis, their lengths proportional to the IoU; the mean line sits where its value lands.
        var drawn = bars.Where(b => Number(b, "value") > 10).ToList();
        Assert.Single(drawn.Select(b => Math.Round(Number(b, "x"))).Distinct());
        double unitsPerPercent = Number(drawn[0], "width") / Number(drawn[0], "value");
        Assert.All(drawn, b => Assert.Equal(Number(b, "value") * unitsPerPercent, Number(b, "width"), 0.5));
        Assert.Equal(Number(drawn[0], "x") + metrics.MeanIoU * 100 * unitsPerPercent, Number(All(svg, "reference").Single(), "x"), 0.5);

        var texts = Texts(svg);
        Assert.Contains("IoU (%)", texts);
        Assert.Contains("tree (absent)", texts);
        Assert.Contains(texts, t => t.StartsWith("mean ", StringComparison.Ordinal));
        Assert.Contains((100 * withIoU[0].IoU!.Value).ToString("F1", System.Globalization.CultureInfo.InvariantCulture), texts);

        // The PNG is the same drawing: the middle of each bar has its fill colour.
        var picture = figure.ToImage(scale: 2);
        Assert.Equal((2 * figure.Width, 2 * figure.Height), (picture.Width, picture.Height));
        foreach (var bar in bars.Where(b => Number(b, "width") > 4))
            Assert.Equal(Colour(bar), CentrePixel(picture, bar, 2));
    }

    [Fact]
    public void PixelShareChartHasOneBarPerClassWithItsShareOfTheLabelledPixels()
    {
        var root = Path.Combine(Path.GetTempPath(), $"segml-shares-{Guid.NewGuid():N}");
        try
        {
            SyntheticScenes.Generate(root, trainCount: 4, valCount: 1, width: 48, height: 36, seed: 3);
            var statistics = DatasetStatistics.Compute(FolderDataset.Open(root, "train"));
            var svg = XElement.Parse(ClassCharts.PixelShares(statistics).ToSvg());
            var bars = All(svg, "bar");
            Assert.Equal(SyntheticScenes.Classes.ClassNames, bars.Select(b => (string)b.Attribute("label")!).ToArray());
            Assert.Equal(Enumerable.Range(0, bars.Count).Select(c => 100 * statistics.GetPixelShare(c, excludeIgnored: true)), bars.Select(b => Number(b, "value")));
            Assert.Equal(100, bars.Sum(b => Number(b, "value")), 6);
            Assert.Equal(statistics.ImagesPerClass.Select(n => n == 1 ? "1 image" : $"{n} images"), bars.Select(b => (string)b.Attribute("note")!));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void TrainingCurvesHaveAPointPerEpochPerSeriesAndMarkWhereStageBStartsInBothPanels()
    {
        var reports = new List<EpochReport>();
        for (int e = 1; e <= 6; e++) reports.Add(new EpochReport("A", e, 2.0 / e, 0.01f, 2.2 / e, 0.5 + 0.05 * e, 0.3 + 0.04 * e, TimeSpan.FromSeconds(e)));
        for (int e = 1; e <= 2; e++) reports.Add(new EpochReport("B", e, 0.3 - 0.01 * e, 0.001f, 0.35, 0.85, 0.6, TimeSpan.FromSeconds(6 + e)));
        var svg = XElement.Parse(TrainingCurves.Plot(reports).ToSvg());
        Assert.Equal("training-curves", Kind(svg));

        var series = All(svg, "series").ToDictionary(s => (string)s.Attribute("name")!, s => s.Elements(Namespace + "point").ToList());
        Assert.Equal(["train loss, stage A", "train loss, stage B", "val loss, sampled pixels", "val accuracy, sampled pixels", "val mean IoU, whole images"], series.Keys);
        Assert.Equal([1, 2, 3, 4, 5, 6], series["train loss, stage A"].Select(p => (int)Number(p, "epoch")));
        Assert.Equal([7, 8], series["train loss, stage B"].Select(p => (int)Number(p, "epoch")));
        Assert.Equal(8, series["val loss, sampled pixels"].Count);
        Assert.Equal(8, series["val mean IoU, whole images"].Count);
        // The values plotted are the reports': losses as they are, validation in percent.
        Assert.Equal(reports.Take(6).Select(r => r.Loss), series["train loss, stage A"].Select(p => Number(p, "value")));
        Assert.Equal(reports.Select(r => r.ValidationAccuracy!.Value * 100), series["val accuracy, sampled pixels"].Select(p => Number(p, "value")));

        // SVG y grows downwards: a falling loss climbs down the page, a rising accuracy climbs up; epochs go left to right.
        var stageA = series["train loss, stage A"];
        Assert.True(stageA.Zip(stageA.Skip(1)).All(p => Number(p.Second, "y") > Number(p.First, "y") && Number(p.Second, "x") > Number(p.First, "x")));
        var accuracy = series["val accuracy, sampled pixels"];
        Assert.True(accuracy.Take(6).Zip(accuracy.Skip(1).Take(5)).All(p => Number(p.Second, "y") < Number(p.First, "y")));
        // The validation panel is right of the loss panel.
        Assert.True(Number(accuracy[0], "x") > Number(stageA[^1], "x"));

        var boundaries = All(svg, "stage-boundary");
        Assert.Equal(["loss", "validation"], boundaries.Select(b => (string)b.Attribute("panel")!));
        Assert.All(boundaries, b => Assert.Equal(6, Number(b, "after-epoch")));
        // In each panel, between the last stage-A epoch and the first stage-B epoch.
        Assert.InRange(Number(boundaries[0], "x"), Number(stageA[^1], "x"), Number(series["train loss, stage B"][0], "x"));
        Assert.InRange(Number(boundaries[1], "x"), Number(accuracy[5], "x"), Number(accuracy[6], "x"));

        var texts = Texts(svg);
        Assert.Contains("epoch", texts);
        Assert.Equal(2, texts.Count(t => t == "stage B"));
        Assert.Contains("train loss, stage B", texts);
    }

    [Fact]
    public void TrainingCurvesWithoutValidationSayHowToGetIt()
    {
        var reports = Enumerable.Range(1, 3).Select(e => new EpochReport("A", e, 1.0 / e, 0.01f, null, null, null, TimeSpan.Zero)).ToList();
        var svg = XElement.Parse(TrainingCurves.Plot(reports).ToSvg());
        Assert.Equal(["train loss, stage A"], All(svg, "series").Select(s => (string)s.Attribute("name")!));
        Assert.Empty(All(svg, "stage-boundary"));
        Assert.Contains("ValidationData", (string)All(svg, "note").Single().Attribute("text")!);
        Assert.Contains(Texts(svg), t => t.Contains("ValidationData", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => TrainingCurves.Plot([]));
    }

    [Fact]
    public void HeatmapHasACellPerTruthAndPredictedClassHoldingItsRowShare()
    {
        var metrics = Metrics();
        var figure = ConfusionHeatmap.Plot(metrics, Classes);
        var svg = XElement.Parse(figure.ToSvg());
        Assert.Equal("confusion", Kind(svg));
        var cells = All(svg, "cell");
        Assert.Equal(25, cells.Count);
        Assert.Equal(("sky", "sky", 0.75), ((string)cells[0].Attribute("truth")!, (string)cells[0].Attribute("predicted")!, Number(cells[0], "share")));
        for (int truth = 0; truth < 5; truth++)
            for (int predicted = 0; predicted < 5; predicted++)
            {
                var cell = cells[truth * 5 + predicted];
                Assert.Equal(metrics.Confusion[truth, predicted], (long)Number(cell, "pixels"));
                long row = metrics.PerClass[truth].TruthPixels;
                if (row == 0) Assert.Null(cell.Attribute("share"));
                else Assert.Equal((double)metrics.Confusion[truth, predicted] / row, Number(cell, "share"), 12);
            }
        // A square grid: rows top to bottom and columns left to right in class order, cells of one size.
        Assert.Single(cells.Select(c => (Math.Round(Number(c, "width")), Math.Round(Number(c, "height")))).Distinct());
        Assert.True(Number(cells[5], "y") > Number(cells[0], "y") && Number(cells[1], "x") > Number(cells[0], "x"));
        var texts = Texts(svg);
        Assert.All(Classes.ClassNames, name => Assert.Equal(2, texts.Count(t => t == name)));
        Assert.Contains("75", texts);
        Assert.Contains("predicted", texts);
        Assert.Contains("truth", texts);
        // A swatch of each class's colour beside its row name and under its column name.
        var picture = figure.ToImage(scale: 2);
        Assert.All(Classes.Palette!.Colors.ToArray(), colour => Assert.True(PictureSearch.LongestRun(picture, colour) >= 2 * 8, $"No swatch of {colour}."));
    }

    [Fact]
    public void HeatmapOfOneClassIsOneCellWithItsShareWrittenIn()
    {
        var matrix = new ConfusionMatrix(1, null);
        matrix.Add([0, 0, 0], [0, 0, 0]);
        var figure = ConfusionHeatmap.Plot(matrix.ComputeMetrics(["only"]));
        var svg = XElement.Parse(figure.ToSvg());
        var cell = Assert.Single(All(svg, "cell"));
        Assert.Equal(1.0, Number(cell, "share"));
        Assert.Contains("100", Texts(svg));
        Assert.Contains("Confusion matrix: share of each truth row (%)", Texts(svg));
        var picture = figure.ToImage();
        Assert.Equal(ConfusionHeatmap.ColorOf(1), picture.GetPixel((int)Number(cell, "x") + 3, (int)Number(cell, "y") + 3));
    }

    [Fact]
    public void SvgAsksForItsDisplaySizeButKeepsItsDrawingUnits()
    {
        var figure = ClassCharts.IoU(Metrics(), Classes);
        var svg = XElement.Parse(figure.ToSvg(displayScale: 2));
        Assert.Equal(2 * figure.Width, Number(svg, "width"));
        Assert.Equal($"0 0 {figure.Width} {figure.Height}", svg.Attribute("viewBox")!.Value);
        Assert.Equal(figure.Title, svg.Element(Svg + "title")!.Value);
        Assert.Throws<ArgumentOutOfRangeException>(() => figure.ToSvg(displayScale: 0));
    }

    [Fact]
    public void TextIsWordsInTheSvgAndInkInThePng()
    {
        var figure = ClassCharts.IoU(Metrics(), Classes);
        var svg = XElement.Parse(figure.ToSvg());
        var title = svg.Descendants(Svg + "text").Single(t => t.Value.Trim() == "Per-class IoU");
        Assert.StartsWith("'DejaVu Sans'", (string)title.Attribute("font-family")!);

        // The band of the title, above the plot, holds the dark pixels of its glyphs.
        var picture = figure.ToImage(scale: 1);
        var ink = Enumerable.Range(0, 26).SelectMany(y => Enumerable.Range(0, picture.Width).Select(x => picture.GetPixel(x, y)))
            .Count(p => p.R < 128 && p.G < 128 && p.B < 128);
        Assert.True(ink > 40, $"Only {ink} dark pixels where the title should be written.");
    }
}
