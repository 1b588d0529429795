using Segmentation.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>A class legend: one colour swatch and name per class, in label order, wrapped to a width.</summary>
public static class ClassLegend
{
    /// <summary>Side of a swatch, in figure units.</summary>
    internal const int Swatch = 12;

    private const int Gap = 4, EntrySpacing = 14, LineHeight = 18;

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
        var entries = Entries(classes, labels);
        var probe = new Drawing(maxWidth, 1);
        double height = Draw(probe, 0, 0, maxWidth, entries);
        var drawing = new Drawing(maxWidth, (int)Math.Ceiling(height) + 8);
        Draw(drawing, 4, 4, maxWidth - 8, entries);
        return new Figure(drawing, $"Legend of {classes.Name}");
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

    /// <summary>Lays the entries out from (x, y) within <paramref name="width"/>; returns the height used.</summary>
    internal static double Draw(Drawing drawing, double x, double y, double width, IReadOnlyList<(string Name, Rgb24 Color)> entries)
    {
        double cx = x, cy = y;
        foreach (var (name, color) in entries)
        {
            double entryWidth = Swatch + Gap + BitmapFont.MeasureWidth(name);
            if (cx > x && cx + entryWidth > x + width)
            {
                cx = x;
                cy += LineHeight;
            }
            drawing.Add(new RectShape(cx, cy, Swatch, Swatch, color, Theme.Muted) { Role = "swatch", Name = name });
            drawing.Add(new TextShape(cx + Swatch + Gap, cy + 2.5, name, Theme.Text));
            cx += entryWidth + EntrySpacing;
        }
        return entries.Count == 0 ? 0 : cy - y + Swatch;
    }
}
