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
        var swatches = figure.Drawing.Shapes.OfType<RectShape>().Where(r => r.Role == "swatch").ToList();

        var expectedNames = shown.Select(l => l == 255 ? "ignored (255)" : Classes.ClassNames[l]).ToArray();
        Assert.Equal(expectedNames, swatches.Select(s => s.Name).ToArray());
        foreach (var (swatch, label) in swatches.Zip(shown))
        {
            var palette = label < Classes.Palette!.Count ? Classes.Palette[label] : new Rgb24(0, 0, 0);
            Assert.Equal(palette, picture.GetPixel((int)(swatch.X + swatch.Width / 2), (int)(swatch.Y + swatch.Height / 2)));
            Assert.True(swatch.Y > SideBySide.PanelOrigin(0, image.Width, new SideBySideOptions()).Y + image.Height, "The legend sits below the panels.");
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
        var swatches = figure.Drawing.Shapes.OfType<RectShape>().Where(r => r.Role == "swatch").ToList();

        Assert.Equal(voc.ClassNames, swatches.Select(s => s.Name!).ToArray());
        Assert.Equal(300, figure.Width);
        Assert.True(swatches.Select(s => s.Y).Distinct().Count() > 2, "21 names cannot fit on one or two 300-unit lines.");
        var texts = figure.Drawing.Shapes.OfType<TextShape>().ToList();
        Assert.All(texts, t => Assert.True(t.Start + t.Length <= figure.Width, $"'{t.Text}' runs past the legend's width."));
        for (int c = 0; c < voc.ClassCount; c++)
        {
            var s = swatches[c];
            Assert.Equal(Palette.Voc[c], picture.GetPixel((int)(2 * (s.X + s.Width / 2)), (int)(2 * (s.Y + s.Height / 2))));
        }
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
        var cells = figure.Drawing.Shapes.OfType<RectShape>().Where(r => r.Role == "cell").ToList();
        Assert.Equal(16, cells.Count);

        var seen = new List<(double Share, Rgb24 Colour)>();
        for (int truth = 0; truth < 4; truth++)
            for (int predicted = 0; predicted < 4; predicted++)
            {
                var cell = cells[truth * 4 + predicted];
                // A corner pixel: the cell's fill, clear of the percentage written in its middle.
                var colour = picture.GetPixel((int)cell.X + 2, (int)cell.Y + 2);
                long row = metrics.PerClass[truth].TruthPixels;
                if (row == 0)
                {
                    Assert.Equal(new Rgb24(236, 236, 236), colour);
                    continue;
                }
                double share = (double)matrix[truth, predicted] / row;
                Assert.Equal(ConfusionHeatmap.ColorOf(share), colour);
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
    public void EveryPrintableGlyphIsDrawnAndDistinct()
    {
        var glyphs = Enumerable.Range('!', '~' - '!' + 1).Select(c => (char)c)
            .Select(c => (Char: c, Bits: string.Concat(Enumerable.Range(0, 40).Select(i => BitmapFont.IsSet(c, i / 8, i % 8) ? '1' : '0')))).ToList();
        Assert.All(glyphs, g => Assert.Contains('1', g.Bits));
        var duplicate = glyphs.GroupBy(g => g.Bits).FirstOrDefault(g => g.Count() > 1);
        Assert.True(duplicate is null, $"Glyphs {string.Join(", ", duplicate?.Select(g => $"'{g.Char}'") ?? [])} look the same.");
        // Capitals and digits stay within the cap height; g, j, p, q and y reach the descender row.
        Assert.All("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", c => Assert.DoesNotContain(Enumerable.Range(0, 5), col => BitmapFont.IsSet(c, col, 7)));
        Assert.All("gjpqy", c => Assert.Contains(Enumerable.Range(0, 5), col => BitmapFont.IsSet(c, col, 7)));
    }

    [Fact]
    public void TextIsDrawnWhereItsMeasuredWidthSaysAndNowhereElse()
    {
        var image = new RgbImage(80, 20);
        BitmapFont.Draw(image, 3, 4, "Road 7", new Rgb24(255, 0, 0), scale: 2);
        var red = Enumerable.Range(0, 80 * 20).Select(i => (X: i % 80, Y: i / 80)).Where(p => image.GetPixel(p.X, p.Y) == new Rgb24(255, 0, 0)).ToList();
        Assert.NotEmpty(red);
        Assert.Equal(3, red.Min(p => p.X));
        Assert.Equal(3 + 2 * BitmapFont.MeasureWidth("Road 7") - 1, red.Max(p => p.X));
        Assert.Equal(4, red.Min(p => p.Y));
        Assert.Equal(4 + 2 * BitmapFont.Height - 1, red.Max(p => p.Y));
    }
}
