using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>
/// The training curves of the hypercolumn classifier from its <see cref="EpochReport"/>s: on the left the training loss
/// of stage A (sampled pixels) and stage B (whole images) and the validation loss on sampled pixels; on the right the
/// validation accuracy on sampled pixels (stage A) and the mean IoU on whole validation images (stage B), in percent.
/// Epochs are numbered across both stages; a dashed line marks where stage B starts.
/// </summary>
/// <remarks>Collect the reports with <c>EpochCompleted = reports.Add</c> in <see cref="Hypercolumns.HypercolumnTrainerOptions"/>.</remarks>
public static class TrainingCurves
{
    private const int Margin = 12, PanelWidth = 320, PanelHeight = 200, LeftRoom = 44, BottomRoom = 34, TitleRoom = 22, PanelGap = 28;

    /// <summary>The two panels; each series is an SVG polyline of class <c>series</c> named by its legend entry.</summary>
    /// <exception cref="ArgumentException">There are no reports.</exception>
    public static Figure Plot(IEnumerable<EpochReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var list = reports.ToList();
        if (list.Count == 0) throw new ArgumentException("There are no epoch reports to plot; collect them with Options.EpochCompleted while training.", nameof(reports));
        var x = list.Select((_, i) => i + 1.0).ToArray();
        int stageAEpochs = list.Count(r => r.Stage == "A");

        var loss = new List<Series>
        {
            new("train loss, stage A", Theme.Series[0], Points(list, x, r => r.Stage == "A" ? r.Loss : null)),
            new("train loss, stage B", Theme.Series[1], Points(list, x, r => r.Stage == "B" ? r.Loss : null)),
            new("val loss, sampled pixels", Theme.Series[2], Points(list, x, r => r.ValidationLoss)),
        };
        var validation = new List<Series>
        {
            new("val accuracy, sampled pixels", Theme.Series[3], Points(list, x, r => r.ValidationAccuracy * 100)),
            new("val mean IoU, whole images", Theme.Series[4], Points(list, x, r => r.ValidationMeanIoU * 100)),
        };

        int panelStride = LeftRoom + PanelWidth + PanelGap;
        var drawing = new Drawing(2 * Margin + 2 * panelStride - PanelGap, 2 * Margin + TitleRoom + PanelHeight + BottomRoom);
        Panel(drawing, Margin + LeftRoom, Margin + TitleRoom, "Loss per epoch", loss, list.Count, stageAEpochs, null, legendAtBottom: false);
        Panel(drawing, Margin + LeftRoom + panelStride, Margin + TitleRoom, "Validation (%)", validation, list.Count, stageAEpochs,
            validation.All(s => s.Points.Count == 0) ? "no validation data: set Options.ValidationData" : null, legendAtBottom: true);
        return new Figure(drawing, "Training curves");
    }

    private sealed record Series(string Name, Rgb24 Color, IReadOnlyList<(double X, double Y)> Points);

    private static List<(double X, double Y)> Points(List<EpochReport> reports, double[] x, Func<EpochReport, double?> value) =>
        reports.Select((r, i) => (x[i], value(r))).Where(p => p.Item2 is double v && double.IsFinite(v)).Select(p => (p.Item1, p.Item2!.Value)).ToList();

    private static void Panel(Drawing drawing, double left, double top, string title, List<Series> series, int epochs, int stageAEpochs, string? emptyNote, bool legendAtBottom)
    {
        drawing.Add(new TextShape(left, top - TitleRoom + 4, title, Theme.Text) { Role = "title" });
        var values = series.SelectMany(s => s.Points).Select(p => p.Y).ToList();
        var (yMin, yMax, yTicks) = Ticks.Nice(values.Count == 0 ? 0 : Math.Min(0, values.Min()), values.Count == 0 ? 1 : values.Max(), 4);
        var (_, _, xTicks) = Ticks.Nice(1, Math.Max(2, epochs), Math.Min(8, Math.Max(1, epochs - 1)));
        double xMin = 1, xMax = Math.Max(2, epochs);
        double X(double epoch) => left + PanelWidth * (epoch - xMin) / (xMax - xMin);
        double Y(double value) => top + PanelHeight * (1 - (value - yMin) / (yMax - yMin));

        foreach (double tick in yTicks)
        {
            drawing.Add(new LineShape(left, Y(tick), left + PanelWidth, Y(tick), Theme.Grid) { Role = "grid" });
            drawing.Add(new TextShape(left - 6, Y(tick) - BitmapFont.Height / 2.0, Ticks.Format(tick), Theme.Muted, Anchor: TextAnchor.End) { Role = "tick" });
        }
        foreach (double tick in xTicks.Where(t => t >= xMin && t <= xMax && t == Math.Round(t)))
        {
            drawing.Add(new LineShape(X(tick), top + PanelHeight, X(tick), top + PanelHeight + 4, Theme.Axis));
            drawing.Add(new TextShape(X(tick), top + PanelHeight + 7, Ticks.Format(tick), Theme.Muted, Anchor: TextAnchor.Middle) { Role = "tick" });
        }
        drawing.Add(new TextShape(left + PanelWidth / 2.0, top + PanelHeight + 21, "epoch", Theme.Text, Anchor: TextAnchor.Middle) { Role = "axis-label" });
        drawing.Add(new LineShape(left, top, left, top + PanelHeight, Theme.Axis));
        drawing.Add(new LineShape(left, top + PanelHeight, left + PanelWidth, top + PanelHeight, Theme.Axis));
        if (stageAEpochs > 0 && stageAEpochs < epochs)
        {
            double boundary = X(stageAEpochs + 0.5);
            // Above the plot, where neither the curves nor the legend are; kept within the panel when stage B is short.
            double labelX = Math.Min(boundary, left + PanelWidth - BitmapFont.MeasureWidth("stage B") / 2.0);
            drawing.Add(new LineShape(boundary, top - 3, boundary, top + PanelHeight, Theme.Muted, 1, Dashed: true) { Role = "stage-boundary" });
            drawing.Add(new TextShape(labelX, top - 13, "stage B", Theme.Muted, Anchor: TextAnchor.Middle) { Role = "stage-label" });
        }

        foreach (var s in series.Where(s => s.Points.Count > 0))
        {
            var points = s.Points.Select(p => (X(p.X), Y(p.Y))).ToList();
            if (points.Count > 1) drawing.Add(new PolylineShape(points, s.Color) { Role = "series", Name = s.Name });
            foreach (var (px, py) in points) drawing.Add(new CircleShape(px, py, 2.5, s.Color) { Role = "point", Name = s.Name });
        }

        var shown = series.Where(s => s.Points.Count > 0).ToList();
        double legendWidth = shown.Count == 0 ? 0 : 24 + shown.Max(s => BitmapFont.MeasureWidth(s.Name));
        // Falling losses leave the top right free, rising accuracies the bottom right.
        double legendX = left + PanelWidth - legendWidth - 6, legendY = legendAtBottom ? top + PanelHeight - 6 - shown.Count * 12 : top + 6;
        if (shown.Count > 0)
            drawing.Add(new RectShape(legendX - 4, legendY - 4, legendWidth + 8, shown.Count * 12 + 6, Theme.Background, Theme.Grid) { Role = "legend" });
        for (int i = 0; i < shown.Count; i++)
        {
            double y = legendY + i * 12;
            drawing.Add(new LineShape(legendX, y + 3.5, legendX + 16, y + 3.5, shown[i].Color, 2) { Role = "legend-line", Name = shown[i].Name });
            drawing.Add(new TextShape(legendX + 22, y, shown[i].Name, Theme.Text));
        }
        if (emptyNote is not null)
            drawing.Add(new TextShape(left + PanelWidth / 2.0, top + PanelHeight / 2.0, emptyNote, Theme.Muted, Anchor: TextAnchor.Middle));
    }
}
