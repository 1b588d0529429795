using System.Globalization;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>One bar of a <see cref="HorizontalBars"/> chart: a null value draws no bar, only <paramref name="Note"/>.</summary>
internal sealed record Bar(string Name, double? Value, Rgb24 Color, string? Note = null);

/// <summary>
/// A horizontal bar chart with one row per category: name (with its colour swatch) on the left, the bar and its value,
/// a value axis with grid lines below, and an optional dashed reference line (a mean).
/// </summary>
internal static class HorizontalBars
{
    private const int Margin = 12, RowPitch = 20, BarHeight = 14, PlotWidth = 360, AxisRoom = 34, TitleRoom = 24;

    public static Drawing Draw(string title, IReadOnlyList<Bar> bars, string axisLabel, double axisMax, (double Value, string Label)? reference = null)
    {
        int nameWidth = bars.Count == 0 ? 0 : bars.Max(b => BitmapFont.MeasureWidth(b.Name));
        double plotX = Margin + ClassLegend.Swatch + 4 + nameWidth + 8;
        double plotY = Margin + TitleRoom;
        double plotHeight = Math.Max(1, bars.Count) * RowPitch;
        int valueRoom = 8 + (bars.Count == 0 ? 0 : bars.Max(b => BitmapFont.MeasureWidth(b.Note ?? Value(b.Value ?? 0))));
        var drawing = new Drawing((int)(plotX + PlotWidth + valueRoom + Margin), (int)(plotY + plotHeight + AxisRoom + Margin));
        drawing.Add(new TextShape(Margin, Margin, title, Theme.Text, Scale: 1) { Role = "title" });
        var (_, max, ticks) = Ticks.Nice(0, axisMax, 5);
        double X(double value) => plotX + PlotWidth * Math.Clamp(value / max, 0, 1);

        foreach (double tick in ticks)
        {
            drawing.Add(new LineShape(X(tick), plotY, X(tick), plotY + plotHeight, Theme.Grid) { Role = "grid" });
            drawing.Add(new LineShape(X(tick), plotY + plotHeight, X(tick), plotY + plotHeight + 4, Theme.Axis));
            drawing.Add(new TextShape(X(tick), plotY + plotHeight + 7, Ticks.Format(tick), Theme.Muted, Anchor: TextAnchor.Middle) { Role = "tick" });
        }
        drawing.Add(new TextShape(plotX + PlotWidth / 2.0, plotY + plotHeight + 21, axisLabel, Theme.Text, Anchor: TextAnchor.Middle) { Role = "axis-label" });

        var labels = new List<TextShape>();
        for (int i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            double rowY = plotY + i * RowPitch + (RowPitch - BarHeight) / 2.0;
            drawing.Add(new RectShape(Margin, rowY + 1, ClassLegend.Swatch, ClassLegend.Swatch, bar.Color, Theme.Muted) { Role = "swatch", Name = bar.Name });
            drawing.Add(new TextShape(plotX - 8, rowY + 3.5, bar.Name, Theme.Text, Anchor: TextAnchor.End) { Role = "category" });
            if (bar.Value is double value)
            {
                double width = Math.Max(1, X(value) - plotX);
                drawing.Add(new RectShape(plotX, rowY, width, BarHeight, bar.Color, Darker(bar.Color)) { Role = "bar", Name = $"{bar.Name}: {Value(value)}" });
                labels.Add(new TextShape(plotX + width + 4, rowY + 3.5, bar.Note ?? Value(value), Theme.Text) { Role = "value" });
            }
            else
            {
                labels.Add(new TextShape(plotX + 4, rowY + 3.5, bar.Note ?? "n/a", Theme.Muted) { Role = "value" });
            }
        }
        drawing.Add(new LineShape(plotX, plotY, plotX, plotY + plotHeight, Theme.Axis));
        drawing.Add(new LineShape(plotX, plotY + plotHeight, plotX + PlotWidth, plotY + plotHeight, Theme.Axis));
        if (reference is var (mean, label))
        {
            drawing.Add(new LineShape(X(mean), plotY - 4, X(mean), plotY + plotHeight, Theme.Text, 1, Dashed: true) { Role = "reference", Name = label });
            drawing.Add(new TextShape(X(mean), plotY - 13, label, Theme.Text, Anchor: TextAnchor.Middle) { Role = "reference-label" });
        }
        // Values last, on a patch of background, so the reference line never runs through a number.
        foreach (var text in labels)
        {
            drawing.Add(new RectShape(text.Start - 1, text.Y - 1, text.Length + 2, BitmapFont.Height + 3, Theme.Background));
            drawing.Add(text);
        }
        return drawing;
    }

    internal static string Value(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    private static Rgb24 Darker(Rgb24 c) => new((byte)(c.R * 3 / 4), (byte)(c.G * 3 / 4), (byte)(c.B * 3 / 4));
}
