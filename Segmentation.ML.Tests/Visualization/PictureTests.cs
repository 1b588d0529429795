using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Imaging;
using Segmentation.ML.Visualization;

namespace Segmentation.ML.Tests.Visualization;

/// <summary>The raster pictures: sizes, panels holding exactly the image and the palette colours, overlays, legends, the heatmap's colours.</summary>
public sealed class PictureTests
{
    private static readonly SegmentationClassSet Classes = SyntheticScenes.Classes;

    /// <summary>A synthetic scene and a prediction that is its truth with every 7th pixel relabelled.</summary>
    private static (RgbImage Image, LabelMap Truth, LabelMap Prediction) Scene(int width = 64, int height = 48, int seed = 5)
    {
        var (image, truth) = SyntheticScenes.Scene(new Random(seed), width, height);
        var predicted = truth.Labels.ToArray();
        for (int i = 0; i < predicted.Length; i++)
            if (predicted[i] == 255 || i % 7 == 0) predicted[i] = (byte)((i / 7) % Classes.ClassCount);
        return (image, truth, new LabelMap(width, height, predicted));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void SideBySidePanelsHoldTheImageAndThePaletteColoursOfTruthAndPrediction(int magnification)
    {
        var (image, truth, prediction) = Scene();
        var options = new SideBySideOptions { Magnification = magnification, Caption = "scene 5" };
        var figure = SideBySide.Plot(image, truth, prediction, Classes, options);
        var picture = figure.ToImage();

        Assert.Equal(2 * 8 + 3 * image.Width * magnification + 2 * 8, picture.Width);
        Assert.Equal((figure.Width, figure.Height), (picture.Width, picture.Height));
        var panels = new[] { image, Classes.Palette!.Colorize(truth), Classes.Palette.Colorize(prediction) };
        var random = new Random(1);
        for (int sample = 0; sample < 200; sample++)
        {
            int x = random.Next(image.Width), y = random.Next(image.Height);
            for (int panel = 0; panel < 3; panel++)
            {
                var (px, py) = SideBySide.PanelOrigin(panel, image.Width, options);
                var expected = panels[panel].GetPixel(x, y);
                // Every pixel of a magnified source pixel's block carries its colour.
                Assert.Equal(expected, picture.GetPixel(px + x * magnification, py + y * magnification));
                Assert.Equal(expected, picture.GetPixel(px + x * magnification + magnification - 1, py + y * magnification + magnification - 1));
            }
        }
    }

    [Fact]
    public void OverlayPanelsFollowTheBlendFormulaAtSampledPoints()
    {
        var (image, truth, prediction) = Scene(seed: 9);
        var options = new SideBySideOptions { Overlay = true };
        var picture = SideBySide.Plot(image, truth, prediction, Classes, options).ToImage();
        var random = new Random(2);
        for (int sample = 0; sample < 300; sample++)
        {
            int x = random.Next(image.Width), y = random.Next(image.Height);
            foreach (var (panel, labels) in new[] { (1, truth), (2, prediction) })
            {
                var source = image.GetPixel(x, y);
                byte label = labels[x, y];
                var colour = label < Classes.Palette!.Count ? Classes.Palette[label] : new Rgb24(0, 0, 0);
                var expected = new Rgb24((byte)((source.R + colour.R + 1) >> 1), (byte)((source.G + colour.G + 1) >> 1), (byte)((source.B + colour.B + 1) >> 1));
                var (px, py) = SideBySide.PanelOrigin(panel, image.Width, options);
                Assert.Equal(expected, picture.GetPixel(px + x, py + y));
            }
        }
    }

    [Fact]
    public void SideBySideLegendListsTheLabelsShownInTheirPaletteColours()
    {
        var (image, truth, prediction) = Scene();
        var figure = SideBySide.Plot(image, truth, prediction, Classes);
        var picture = figure.ToImage();
        var shown = truth.Labels.ToArray().Concat(prediction.Labels.ToArray()).Distinct().Order().ToArray();
        var swatches = figure.Description.Elements(FigureMarks.Namespace + "swatch").ToList();

        var expectedNames = shown.Select(l => l == 255 ? "ignored (255)" : Classes.ClassNames[l]).ToArray();
        Assert.Equal(expectedNames, swatches.Select(s => (string)s.Attribute("label")!).ToArray());
        foreach (var (swatch, label) in swatches.Zip(shown))
        {
            var palette = label < Classes.Palette!.Count ? Classes.Palette[label] : new Rgb24(0, 0, 0);
            Assert.Equal(palette, FigureMarks.CentrePixel(picture, swatch, 1));
            Assert.True(FigureMarks.Number(swatch, "y") > SideBySide.PanelOrigin(0, image.Width, new SideBySideOptions()).Y + image.Height, "The legend sits below the panels.");
        }
    }

    [Fact]
    public void MismatchedSizesAreRefusedNamingBoth()
    {
        var (image, truth, _) = Scene();
        var small = new LabelMap(10, 10);
        var error = Assert.Throws<ArgumentException>(() => SideBySide.Plot(image, truth, small, Classes));
        Assert.Contains("64×48", error.Message);
        Assert.Contains("10×10", error.Message);
    }

    [Fact]
    public void ClassLegendWrapsWithinItsWidthAndPaintsEveryClassInItsVocColour()
    {
        var voc = SegmentationClassSet.Voc2012;
        var figure = ClassLegend.Plot(voc, maxWidth: 300);
        var picture = figure.ToImage(scale: 2);
        var swatches = figure.Description.Elements(FigureMarks.Namespace + "swatch").ToList();

        Assert.Equal(voc.ClassNames, swatches.Select(s => (string)s.Attribute("label")!).ToArray());
        Assert.Equal(300, figure.Width);
        Assert.True(swatches.Select(s => FigureMarks.Number(s, "y")).Distinct().Count() > 2, "21 names cannot fit on one or two 300-unit lines.");
        Assert.All(swatches, s => Assert.True(FigureMarks.Number(s, "label-end") <= figure.Width, $"'{s.Attribute("label")!.Value}' runs past the legend's width."));
        for (int c = 0; c < voc.ClassCount; c++)
            Assert.Equal(Palette.Voc[c], FigureMarks.CentrePixel(picture, swatches[c], 2));
        // Each name is written in ink between its swatch and where its measured width ends, and nothing right of the last one on a line.
        foreach (var s in swatches)
        {
            int top = (int)(2 * FigureMarks.Number(s, "y")), bottom = top + 2 * ClassLegend.Swatch;
            int start = (int)(2 * (FigureMarks.Number(s, "x") + ClassLegend.Swatch + 1)), end = (int)Math.Ceiling(2 * FigureMarks.Number(s, "label-end"));
            Assert.True(Ink(picture, start, end, top, bottom) > 20, $"'{s.Attribute("label")!.Value}' is not written.");
        }
        var lastOnFirstLine = swatches.TakeWhile(s => FigureMarks.Number(s, "y") == FigureMarks.Number(swatches[0], "y")).Last();
        int lineTop = (int)(2 * FigureMarks.Number(lastOnFirstLine, "y"));
        Assert.Equal(0, Ink(picture, (int)Math.Ceiling(2 * FigureMarks.Number(lastOnFirstLine, "label-end")) + 2, picture.Width, lineTop, lineTop + 2 * ClassLegend.Swatch));
    }

    [Fact]
    public void HeatmapCellsAreTheRowShareColourAndDarkenAsTheShareGrows()
    {
        var matrix = new ConfusionMatrix(4, 255);
        // Rows: 90/10, 50/50, 20/30/50, and class 3 never in the truth.
        matrix.Add([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2]);
        var metrics = matrix.ComputeMetrics(["sky", "road", "car", "bus"]);
        var figure = ConfusionHeatmap.Plot(metrics);
        var picture = figure.ToImage();
        var cells = figure.Description.Elements(FigureMarks.Namespace + "cell").ToList();
        Assert.Equal(16, cells.Count);

        var seen = new List<(double Share, Rgb24 Colour)>();
        for (int truth = 0; truth < 4; truth++)
            for (int predicted = 0; predicted < 4; predicted++)
            {
                var cell = cells[truth * 4 + predicted];
                // A pixel near the corner: the cell's fill, clear of the percentage written in its middle and of its edges.
                var colour = picture.GetPixel((int)FigureMarks.Number(cell, "x") + 3, (int)FigureMarks.Number(cell, "y") + 3);
                long row = metrics.PerClass[truth].TruthPixels;
                if (row == 0)
                {
                    Assert.Equal(new Rgb24(236, 236, 236), colour);
                    continue;
                }
                double share = (double)matrix[truth, predicted] / row;
                // OxyPlot paints from a palette of 256 steps of the ramp: within a step of the exact colour.
                var exact = ConfusionHeatmap.ColorOf(share);
                Assert.True(Math.Abs(exact.R - colour.R) <= 2 && Math.Abs(exact.G - colour.G) <= 2 && Math.Abs(exact.B - colour.B) <= 2, $"Share {share:F2} is {colour}, not {exact}.");
                seen.Add((share, colour));
            }
        Assert.Equal(new Rgb24(247, 251, 255), ConfusionHeatmap.ColorOf(0));
        Assert.Equal(new Rgb24(8, 48, 107), ConfusionHeatmap.ColorOf(1));
        AssertDarkensMonotonically(seen);
        AssertDarkensMonotonically(Enumerable.Range(0, 101).Select(i => (i / 100.0, ConfusionHeatmap.ColorOf(i / 100.0))).ToList());
    }

    private static void AssertDarkensMonotonically(List<(double Share, Rgb24 Colour)> cells)
    {
        var ordered = cells.OrderBy(c => c.Share).ToList();
        for (int i = 1; i < ordered.Count; i++)
        {
            var (a, b) = (ordered[i - 1], ordered[i]);
            Assert.True(b.Colour.R <= a.Colour.R && b.Colour.G <= a.Colour.G && b.Colour.B <= a.Colour.B,
                $"Share {b.Share:F2} is {b.Colour}, not darker than share {a.Share:F2}'s {a.Colour}.");
            if (b.Share > a.Share + 0.02) Assert.NotEqual(a.Colour, b.Colour);
        }
    }

    [Fact]
    public void FigureTextUsesTheEmbeddedFontWhateverIsInstalled()
    {
        // Loaded from the library, not looked up: a machine without fonts draws the same glyphs.
        Assert.Equal("DejaVu Sans", FigureFont.Typeface.FamilyName);
        Assert.True(FigureFont.Typeface.GlyphCount > 500, "Latin, Greek and Cyrillic need more glyphs than that.");
        Assert.Equal(0, FigureFont.Width("", Theme.TextSize));
        // Kerning from HarfBuzz: "AV" is narrower than "A" and "V" apart.
        Assert.True(FigureFont.Width("AV", 20) < FigureFont.Width("A", 20) + FigureFont.Width("V", 20));
        Assert.True(FigureFont.Width("Żółw Ωμέγα Дом", Theme.TextSize) > 0);
    }

    /// <summary>Dark pixels in [x0, x1) × [y0, y1).</summary>
    private static int Ink(RgbImage picture, int x0, int x1, int y0, int y1)
    {
        int count = 0;
        for (int y = y0; y < Math.Min(y1, picture.Height); y++)
            for (int x = x0; x < Math.Min(x1, picture.Width); x++)
            {
                var p = picture.GetPixel(x, y);
                if (p.R + p.G + p.B < 3 * 160) count++;
            }
        return count;
    }
}
