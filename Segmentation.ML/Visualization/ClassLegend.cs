using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using SkiaSharp;

namespace Segmentation.ML.Visualization;

/// <summary>A class legend: one colour swatch and name per class, in label order, wrapped to a width.</summary>
public static class ClassLegend
{
    /// <summary>Side of a swatch, in figure units.</summary>
    internal const int Swatch = 12;

    private const int Gap = 4, EntrySpacing = 14, LineHeight = 18, Margin = 4;

    /// <summary>
    /// The legend of <paramref name="classes"/>: each swatch is the class's palette colour (the VOC palette when the
    /// classes have none), followed by the ignore label's colour when <paramref name="labels"/> includes it.
    /// </summary>
    /// <param name="classes">The classes and their palette.</param>
    /// <param name="labels">The label values to list (e.g. those present in an image), or null for every class.</param>
    /// <param name="maxWidth">Entries wrap onto new lines past this width.</param>
    public static Figure Plot(SegmentationClassSet classes, IEnumerable<int>? labels = null, int maxWidth = 480)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWidth, 64);
        var placed = Layout(Entries(classes, labels), Margin, Margin, maxWidth - 2 * Margin);
        var description = new FigureDescription("legend");
        Describe(description, placed);
        int height = (int)Math.Ceiling(Height(placed)) + 2 * Margin;
        return new Figure($"Legend of {classes.Name}", maxWidth, Math.Max(height, 2 * Margin + 1), (canvas, scale, _) =>
        {
            using var restore = new SKAutoCanvasRestore(canvas);
            canvas.Scale(scale);
            Paint(canvas, placed);
        }, description);
    }

    /// <summary>The colour of every label value in pictures of <paramref name="classes"/>: their palette, else the VOC palette.</summary>
    internal static Palette ColorsOf(SegmentationClassSet classes) => classes.Palette ?? Palette.Voc;

    /// <summary>The colour a label is painted with: its palette entry, or black past the palette's end (as <see cref="Palette.Colorize"/> does).</summary>
    internal static Rgb24 ColorOf(Palette palette, int label) => label < palette.Count ? palette[label] : default;

    /// <summary>Name and colour of the listed labels: classes first in label order, then the ignore label if listed.</summary>
    internal static IReadOnlyList<(string Name, Rgb24 Color)> Entries(SegmentationClassSet classes, IEnumerable<int>? labels)
    {
        var palette = ColorsOf(classes);
        var wanted = labels?.ToHashSet();
        var entries = new List<(string, Rgb24)>();
        for (int c = 0; c < classes.ClassCount; c++)
            if (wanted is null || wanted.Contains(c)) entries.Add((classes.ClassNames[c], ColorOf(palette, c)));
        if (classes.IgnoreValue is byte ignore && wanted?.Contains(ignore) == true) entries.Add(($"ignored ({ignore})", ColorOf(palette, ignore)));
        return entries;
    }

    /// <summary>Places the entries from (x, y) within <paramref name="width"/>: each swatch's top-left corner and its name's width.</summary>
    internal static IReadOnlyList<LegendEntry> Layout(IReadOnlyList<(string Name, Rgb24 Color)> entries, float x, float y, float width)
    {
        var placed = new List<LegendEntry>();
        float cx = x, cy = y;
        foreach (var (name, color) in entries)
        {
            float textWidth = FigureFont.Width(name, Theme.TextSize);
            float entryWidth = Swatch + Gap + textWidth;
            if (cx > x && cx + entryWidth > x + width)
            {
                cx = x;
                cy += LineHeight;
            }
            placed.Add(new LegendEntry(name, color, cx, cy, textWidth));
            cx += entryWidth + EntrySpacing;
        }
        return placed;
    }

    /// <summary>The height the placed entries take below their first line's top.</summary>
    internal static float Height(IReadOnlyList<LegendEntry> placed) => placed.Count == 0 ? 0 : placed[^1].Y - placed[0].Y + Swatch;

    /// <summary>Adds a <c>swatch</c> per entry: its name, colour, box and where its name ends (<c>label-end</c>).</summary>
    internal static void Describe(FigureDescription description, IReadOnlyList<LegendEntry> placed)
    {
        foreach (var entry in placed)
            description.Add("swatch", [("label", entry.Name), ("color", entry.Color), .. FigureDescription.Box(new OxyPlot.OxyRect(entry.X, entry.Y, Swatch, Swatch)),
                ("label-end", Math.Round(entry.X + Swatch + Gap + entry.TextWidth, 2))]);
    }

    /// <summary>Paints the placed entries: swatches outlined in grey, names in the figure font beside them.</summary>
    internal static void Paint(SKCanvas canvas, IReadOnlyList<LegendEntry> placed)
    {
        using var fill = new SKPaint { Style = SKPaintStyle.Fill };
        using var outline = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = Theme.ToSkia(Theme.Muted) };
        foreach (var entry in placed)
        {
            fill.Color = Theme.ToSkia(entry.Color);
            canvas.DrawRect(entry.X, entry.Y, Swatch, Swatch, fill);
            canvas.DrawRect(entry.X + 0.5f, entry.Y + 0.5f, Swatch - 1, Swatch - 1, outline);
            FigureFont.DrawInBand(canvas, entry.Name, entry.X + Swatch + Gap, entry.Y, Swatch, Theme.ToSkia(Theme.Text));
        }
    }
}

/// <summary>A legend entry placed on a picture: its swatch's top-left corner and its name's width, in figure units.</summary>
internal sealed record LegendEntry(string Name, Rgb24 Color, float X, float Y, float TextWidth);
