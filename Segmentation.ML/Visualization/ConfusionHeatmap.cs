using System.Globalization;
using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>
/// The confusion matrix as a heatmap: one row per truth class, one column per predicted class, each cell coloured by
/// its share of the row (the fraction of that class's pixels predicted as the column's class, so the diagonal is
/// each class's recall), darker for more, with the percentage written in the cell.
/// </summary>
public static class ConfusionHeatmap
{
    private const int Margin = 12, Cell = 30, BarWidth = 12;

    private static readonly (double At, Rgb24 Color)[] Ramp = [(0, new(247, 251, 255)), (0.5, new(107, 174, 214)), (1, new(8, 48, 107))];

    /// <summary>The row-normalised heatmap of <paramref name="metrics"/>' confusion matrix, with a colour bar.</summary>
    /// <param name="metrics">The evaluation.</param>
    /// <param name="classes">The classes for their colour swatches next to the names, or null for none.</param>
    public static Figure Plot(SegmentationMetrics metrics, SegmentationClassSet? classes = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var names = metrics.PerClass.Select(r => r.Name).ToArray();
        int n = names.Length;
        int nameWidth = names.Max(BitmapFont.MeasureWidth);
        var palette = classes is null ? null : ClassLegend.ColorsOf(classes);
        int swatchRoom = palette is null ? 0 : ClassLegend.Swatch + 4;

        double gridLeft = Margin + 14 + swatchRoom + nameWidth + 6;
        double gridTop = Margin + 18 + 10 + nameWidth + 6 + swatchRoom;
        double gridSize = n * Cell;
        var drawing = new Drawing((int)(gridLeft + gridSize + 16 + BarWidth + 4 + BitmapFont.MeasureWidth("100 %") + Margin), (int)(gridTop + gridSize + 22 + Margin));
        drawing.Add(new TextShape(Margin, Margin, "Confusion matrix: share of each truth row (%)", Theme.Text) { Role = "title" });
        drawing.Add(new TextShape(gridLeft + gridSize / 2, Margin + 18, "predicted", Theme.Text, Anchor: TextAnchor.Middle) { Role = "axis-label" });
        drawing.Add(new TextShape(Margin, gridTop + gridSize / 2, "truth", Theme.Text, Anchor: TextAnchor.Middle, Vertical: true) { Role = "axis-label" });

        for (int i = 0; i < n; i++)
        {
            double rowY = gridTop + i * Cell, columnX = gridLeft + i * Cell;
            drawing.Add(new TextShape(gridLeft - 6, rowY + (Cell - BitmapFont.Height) / 2.0, names[i], Theme.Text, Anchor: TextAnchor.End) { Role = "row-label" });
            drawing.Add(new TextShape(columnX + (Cell - BitmapFont.Height) / 2.0, gridTop - 6 - swatchRoom, names[i], Theme.Text, Vertical: true) { Role = "column-label" });
            if (palette is not null)
            {
                var color = ClassLegend.ColorOf(palette, i);
                drawing.Add(new RectShape(gridLeft - 6 - nameWidth - 4 - ClassLegend.Swatch, rowY + (Cell - ClassLegend.Swatch) / 2.0, ClassLegend.Swatch, ClassLegend.Swatch, color, Theme.Muted) { Role = "swatch", Name = names[i] });
                drawing.Add(new RectShape(columnX + (Cell - ClassLegend.Swatch) / 2.0, gridTop - 4 - ClassLegend.Swatch, ClassLegend.Swatch, ClassLegend.Swatch, color, Theme.Muted) { Role = "swatch", Name = names[i] });
            }
        }

        var confusion = metrics.Confusion;
        for (int truth = 0; truth < n; truth++)
        {
            long rowTotal = metrics.PerClass[truth].TruthPixels;
            for (int predicted = 0; predicted < n; predicted++)
            {
                double x = gridLeft + predicted * Cell, y = gridTop + truth * Cell;
                if (rowTotal == 0)
                {
                    drawing.Add(new RectShape(x, y, Cell, Cell, Theme.Empty) { Role = "cell", Name = $"truth {names[truth]}: no pixels" });
                    continue;
                }
                double share = (double)confusion[truth, predicted] / rowTotal;
                drawing.Add(new RectShape(x, y, Cell, Cell, ColorOf(share))
                {
                    Role = "cell",
                    Name = $"truth {names[truth]}, predicted {names[predicted]}: {(100 * share).ToString("F1", CultureInfo.InvariantCulture)} % ({confusion[truth, predicted]:N0} px)",
                });
                if (confusion[truth, predicted] > 0)
                    drawing.Add(new TextShape(x + Cell / 2.0, y + (Cell - BitmapFont.Height) / 2.0, share < 0.005 ? "<1" : Math.Round(100 * share).ToString("0", CultureInfo.InvariantCulture),
                        share > 0.55 ? Theme.Background : Theme.Text, Anchor: TextAnchor.Middle) { Role = "cell-value" });
            }
        }
        drawing.Add(new RectShape(gridLeft, gridTop, gridSize, gridSize, null, Theme.Axis));

        double barX = gridLeft + gridSize + 16;
        const int steps = 50;
        for (int s = 0; s < steps; s++)
            drawing.Add(new RectShape(barX, gridTop + gridSize * s / steps, BarWidth, gridSize / steps + 0.5, ColorOf(1 - (s + 0.5) / steps)) { Role = "colorbar" });
        drawing.Add(new RectShape(barX, gridTop, BarWidth, gridSize, null, Theme.Axis));
        foreach (var (share, label) in new[] { (1.0, "100 %"), (0.5, "50 %"), (0.0, "0 %") })
            drawing.Add(new TextShape(barX + BarWidth + 4, gridTop + gridSize * (1 - share) - BitmapFont.Height / 2.0, label, Theme.Muted));
        drawing.Add(new TextShape(gridLeft, gridTop + gridSize + 10,
            $"{metrics.CountedPixels:N0} pixels counted, {metrics.IgnoredPixels:N0} ignored", Theme.Muted) { Role = "caption" });
        return new Figure(drawing, "Confusion matrix (rows: truth, normalised)");
    }

    /// <summary>The colour of a row share in [0, 1]: from near-white to dark blue, every channel falling as the share grows.</summary>
    public static Rgb24 ColorOf(double share)
    {
        share = Math.Clamp(double.IsNaN(share) ? 0 : share, 0, 1);
        int k = share <= Ramp[1].At ? 0 : 1;
        double t = (share - Ramp[k].At) / (Ramp[k + 1].At - Ramp[k].At);
        static byte Mix(byte a, byte b, double t) => (byte)Math.Round(a + (b - a) * t);
        return new Rgb24(Mix(Ramp[k].Color.R, Ramp[k + 1].Color.R, t), Mix(Ramp[k].Color.G, Ramp[k + 1].Color.G, t), Mix(Ramp[k].Color.B, Ramp[k + 1].Color.B, t));
    }
}
