using System.Globalization;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using SkiaSharp;

namespace Segmentation.ML.Visualization;

/// <summary>How <see cref="SideBySide"/> draws its panels.</summary>
public sealed record SideBySideOptions
{
    /// <summary>Each image pixel becomes a block of this many pixels a side (1 to 8); small images read better at 2 or 3.</summary>
    public int Magnification { get; init; } = 1;

    /// <summary>Draw the masks blended over the image (<see cref="Overlay.Blend"/>) instead of as flat colours.</summary>
    public bool Overlay { get; init; }

    /// <summary>A line above the panels, e.g. the image's id; null for none.</summary>
    public string? Caption { get; init; }

    /// <summary>List every class in the legend, not only the labels the panels show.</summary>
    public bool LegendAllClasses { get; init; }
}

/// <summary>
/// The picture segmentation people read first: <c>image | ground truth | prediction</c> next to each other, each
/// mask in the class palette, with a legend of the classes shown. Ignored pixels are painted with the ignore label's
/// palette colour (black past the palette's end).
/// </summary>
public static class SideBySide
{
    private const int Margin = 8, PanelGap = 8, TitleHeight = 14;

    /// <summary>Image, ground truth and prediction side by side; the prediction's title gives its pixel accuracy on this image.</summary>
    /// <exception cref="ArgumentException">The three differ in size.</exception>
    public static Figure Plot(RgbImage image, LabelMap truth, LabelMap prediction, SegmentationClassSet classes, SideBySideOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        return Plot(image, truth, prediction, classes, options ?? new SideBySideOptions(), $"prediction ({Accuracy(truth, prediction, classes)})");
    }

    /// <summary>Image and ground truth side by side (a dataset preview).</summary>
    /// <exception cref="ArgumentException">The image and the mask differ in size.</exception>
    public static Figure Plot(RgbImage image, LabelMap truth, SegmentationClassSet classes, SideBySideOptions? options = null) =>
        Plot(image, truth, null, classes, options ?? new SideBySideOptions(), null);

    /// <summary>Where panel <paramref name="index"/> (0 image, 1 truth, 2 prediction) starts in a figure made with <paramref name="options"/>.</summary>
    internal static (int X, int Y) PanelOrigin(int index, int imageWidth, SideBySideOptions options) =>
        (Margin + index * (imageWidth * options.Magnification + PanelGap), Margin + (options.Caption is null ? 0 : TitleHeight) + TitleHeight);

    private static Figure Plot(RgbImage image, LabelMap truth, LabelMap? prediction, SegmentationClassSet classes, SideBySideOptions options, string? predictionTitle)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Magnification, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Magnification, 8);
        foreach (var (map, what) in new[] { (truth, "ground truth"), (prediction, "prediction") })
            if (map is not null && (map.Width != image.Width || map.Height != image.Height))
                throw new ArgumentException($"The image is {image.Width}×{image.Height} but the {what} is {map.Width}×{map.Height}; give maps of the image's size.");

        var palette = ClassLegend.ColorsOf(classes);
        RgbImage Paint(LabelMap labels) => options.Overlay ? Overlay.Blend(image, labels, palette) : palette.Colorize(labels);
        var panels = new List<(string Title, SKImage Picture)> { ("image", ToSkia(image)), ("ground truth", ToSkia(Paint(truth))) };
        if (prediction is not null) panels.Add((predictionTitle!, ToSkia(Paint(prediction))));

        var labels = new HashSet<int>();
        foreach (var map in prediction is null ? [truth] : new[] { truth, prediction })
            foreach (byte label in map.Labels) labels.Add(label);
        var entries = ClassLegend.Entries(classes, options.LegendAllClasses ? Enumerable.Range(0, 256) : labels);

        int panelWidth = image.Width * options.Magnification, panelHeight = image.Height * options.Magnification;
        int width = 2 * Margin + panels.Count * panelWidth + (panels.Count - 1) * PanelGap;
        var top = PanelOrigin(0, image.Width, options);
        var legend = ClassLegend.Layout(entries, Margin, top.Y + panelHeight + Margin, width - 2 * Margin);
        int height = (int)Math.Ceiling(top.Y + panelHeight + Margin + ClassLegend.Height(legend) + Margin);

        var description = new FigureDescription("side-by-side");
        for (int i = 0; i < panels.Count; i++)
        {
            var (x, y) = PanelOrigin(i, image.Width, options);
            description.Add("panel", [("name", panels[i].Title), .. FigureDescription.Box(new OxyPlot.OxyRect(x, y, panelWidth, panelHeight))]);
        }
        ClassLegend.Describe(description, legend);
        string caption = prediction is null ? "image | ground truth" : "image | ground truth | prediction";
        return new Figure(options.Caption is null ? caption : $"{options.Caption}: {caption}", width, height, (canvas, scale, _) =>
        {
            using var restore = new SKAutoCanvasRestore(canvas);
            canvas.Scale(scale);
            var text = Theme.ToSkia(Theme.Text);
            if (options.Caption is not null) FigureFont.DrawInBand(canvas, options.Caption, Margin, Margin, TitleHeight, text);
            // Nearest-neighbour: every image pixel becomes a block of its exact colour.
            using var exact = new SKPaint { FilterQuality = SKFilterQuality.None, IsAntialias = false };
            for (int i = 0; i < panels.Count; i++)
            {
                var (x, y) = PanelOrigin(i, image.Width, options);
                FigureFont.DrawInBand(canvas, panels[i].Title, x, y - TitleHeight, TitleHeight, text);
                canvas.DrawImage(panels[i].Picture, new SKRect(x, y, x + panelWidth, y + panelHeight), exact);
            }
            ClassLegend.Paint(canvas, legend);
        }, description, hasImages: true);
    }

    private static SKImage ToSkia(RgbImage image)
    {
        var rgb = image.Pixels;
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i];
            rgba[j + 1] = rgb[i + 1];
            rgba[j + 2] = rgb[i + 2];
            rgba[j + 3] = 255;
        }
        return SKImage.FromPixelCopy(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba);
    }

    /// <summary>"87.3 % correct": the share of labelled (non-ignored) pixels predicted right.</summary>
    private static string Accuracy(LabelMap truth, LabelMap prediction, SegmentationClassSet classes)
    {
        if (truth.Width != prediction.Width || truth.Height != prediction.Height) return "?";
        long counted = 0, correct = 0;
        ReadOnlySpan<byte> t = truth.Labels, p = prediction.Labels;
        for (int i = 0; i < t.Length; i++)
        {
            if (t[i] == classes.IgnoreValue) continue;
            counted++;
            if (t[i] == p[i]) correct++;
        }
        return counted == 0 ? "no labelled pixels" : (100.0 * correct / counted).ToString("F1", CultureInfo.InvariantCulture) + " % correct";
    }
}
