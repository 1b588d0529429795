using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>
/// The training curves of the hypercolumn classifier from its <see cref="EpochReport"/>s, drawn by OxyPlot: on the left
/// the training loss of stage A (sampled pixels) and stage B (whole images) and the validation loss on sampled pixels;
/// on the right the validation accuracy on sampled pixels (stage A) and the mean IoU on whole validation images
/// (stage B), in percent. Epochs are numbered across both stages; stage B's epochs are shaded behind a dashed line,
/// stage-A measures are marked with circles and stage-B ones with squares.
/// </summary>
/// <remarks>Collect the reports with <c>EpochCompleted = reports.Add</c> in <see cref="Hypercolumns.HypercolumnTrainerOptions"/>.</remarks>
public static class TrainingCurves
{
    private const int PanelWidth = 430, PanelHeight = 340, PanelGap = 16;

    /// <summary>The two panels; the figure's description has a <c>series</c> per quantity holding a <c>point</c> per epoch that reports it.</summary>
    /// <exception cref="ArgumentException">There are no reports.</exception>
    public static Figure Plot(IEnumerable<EpochReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var list = reports.ToList();
        if (list.Count == 0) throw new ArgumentException("There are no epoch reports to plot; collect them with Options.EpochCompleted while training.", nameof(reports));
        int stageAEpochs = list.Count(r => r.Stage == "A");

        var loss = new List<Curve>
        {
            new("train loss, stage A", Theme.Series[0], MarkerType.Circle, Points(list, r => r.Stage == "A" ? r.Loss : null)),
            new("train loss, stage B", Theme.Series[1], MarkerType.Square, Points(list, r => r.Stage == "B" ? r.Loss : null)),
            new("val loss, sampled pixels", Theme.Series[2], MarkerType.Diamond, Points(list, r => r.ValidationLoss)),
        };
        var validation = new List<Curve>
        {
            new("val accuracy, sampled pixels", Theme.Series[3], MarkerType.Circle, Points(list, r => r.ValidationAccuracy * 100)),
            new("val mean IoU, whole images", Theme.Series[4], MarkerType.Square, Points(list, r => r.ValidationMeanIoU * 100)),
        };
        string? emptyNote = validation.All(c => c.Points.Count == 0) ? "no validation data: set Options.ValidationData" : null;

        // Legends below the plots, a row per curve: the panel with fewer rows keeps the difference as padding, so both x axes line up.
        int rows = Math.Max(loss.Count(c => c.Points.Count > 0), validation.Count(c => c.Points.Count > 0));
        var panels = new[]
        {
            Panel("loss", "Loss per epoch", "loss", loss, list.Count, stageAEpochs, null, 0, rows),
            Panel("validation", "Validation (%)", "%", validation, list.Count, stageAEpochs, emptyNote, PanelWidth + PanelGap, rows),
        };
        int width = 2 * PanelWidth + PanelGap;
        return PlotFigure.Create("Training curves", width, PanelHeight, panels.Select(p => p.Panel).ToList(), "training-curves", description =>
        {
            foreach (var (panel, name, curves, epochAxis, boundary) in panels)
            {
                foreach (var (curve, series) in curves)
                {
                    if (curve.Points.Count == 0) continue;
                    var element = description.Add("series", ("name", curve.Name), ("panel", name), ("color", curve.Color));
                    foreach (var point in curve.Points)
                        FigureDescription.Add(element, "point", [("epoch", (int)point.X), ("value", point.Y), .. FigureDescription.At(Offset(series.Transform(point), panel.Area))]);
                }
                if (boundary is not null)
                    description.Add("stage-boundary", ("panel", name), ("after-epoch", stageAEpochs), ("x", Math.Round(epochAxis.Transform(boundary.X) + panel.Area.Left, 2)));
            }
            if (emptyNote is not null) description.Add("note", ("panel", "validation"), ("text", emptyNote));
        });
    }

    private sealed record Curve(string Name, Rgb24 Color, MarkerType Marker, IReadOnlyList<DataPoint> Points);

    private sealed record DrawnPanel(PlotPanel Panel, string Name, IReadOnlyList<(Curve Curve, LineSeries Series)> Curves, LinearAxis EpochAxis, LineAnnotation? Boundary);

    private static List<DataPoint> Points(List<EpochReport> reports, Func<EpochReport, double?> value) =>
        reports.Select((r, i) => (Epoch: i + 1, Value: value(r))).Where(p => p.Value is double v && double.IsFinite(v)).Select(p => new DataPoint(p.Epoch, p.Value!.Value)).ToList();

    private static ScreenPoint Offset(ScreenPoint point, OxyRect area) => new(point.X + area.Left, point.Y + area.Top);

    private static DrawnPanel Panel(string name, string title, string valueTitle, List<Curve> curves, int epochs, int stageAEpochs, string? emptyNote, double left, int legendRows)
    {
        var model = PlotFigure.Model(title);
        int shown = curves.Count(c => c.Points.Count > 0);
        model.Padding = new OxyThickness(model.Padding.Left, model.Padding.Top, model.Padding.Right,
            model.Padding.Bottom + (legendRows - shown) * FigureFont.Metrics(Theme.TextSize).LineSpacing);
        model.PlotAreaBorderThickness = new OxyThickness(1, 0, 0, 1);
        // The same top margin in both panels (a "100" tick label would otherwise push one plot down).
        model.PlotMargins = new OxyThickness(double.NaN, 12, double.NaN, double.NaN);
        var epochAxis = new LinearAxis
        {
            Position = AxisPosition.Bottom,
            Title = "epoch",
            Minimum = 0.5,
            Maximum = epochs + 0.5,
            MajorStep = Math.Max(1, Math.Ceiling(epochs / 10.0)),
            MinorStep = 1,
            StringFormat = "0",
            TicklineColor = Theme.ToOxy(Theme.Axis),
            IsZoomEnabled = false,
            IsPanEnabled = false,
        };
        var valueAxis = new LinearAxis
        {
            Position = AxisPosition.Left,
            Title = valueTitle,
            Minimum = 0,
            MaximumPadding = 0.08,
            MajorGridlineStyle = LineStyle.Solid,
            MajorGridlineColor = Theme.ToOxy(Theme.Grid),
            TicklineColor = Theme.ToOxy(Theme.Axis),
            IsZoomEnabled = false,
            IsPanEnabled = false,
        };
        if (name == "validation") valueAxis.Maximum = 100;
        model.Axes.Add(epochAxis);
        model.Axes.Add(valueAxis);
        model.Legends.Add(new Legend
        {
            LegendPlacement = LegendPlacement.Outside,
            LegendPosition = LegendPosition.BottomCenter,
            LegendOrientation = LegendOrientation.Vertical,
            LegendFontSize = Theme.TextSize,
            LegendTextColor = Theme.ToOxy(Theme.Text),
            LegendSymbolLength = 24,
            LegendPadding = 4,
        });

        LineAnnotation? boundary = null;
        if (stageAEpochs > 0 && stageAEpochs < epochs)
        {
            double at = stageAEpochs + 0.5;
            model.Annotations.Add(new RectangleAnnotation
            {
                MinimumX = at,
                MaximumX = epochs + 0.5,
                Fill = Theme.ToOxy(Theme.StageB),
                Layer = AnnotationLayer.BelowAxes,
            });
            boundary = new LineAnnotation
            {
                Type = LineAnnotationType.Vertical,
                X = at,
                LineStyle = LineStyle.Dash,
                Color = Theme.ToOxy(Theme.Muted),
                StrokeThickness = 1,
                Text = "stage B",
                TextColor = Theme.ToOxy(Theme.Muted),
                TextOrientation = AnnotationTextOrientation.Horizontal,
                TextHorizontalAlignment = HorizontalAlignment.Left,
                TextVerticalAlignment = VerticalAlignment.Top,
                TextLinePosition = 1,
            };
            model.Annotations.Add(boundary);
        }

        var drawn = new List<(Curve, LineSeries)>();
        foreach (var curve in curves)
        {
            var color = Theme.ToOxy(curve.Color);
            var series = new LineSeries
            {
                Title = curve.Name,
                Color = color,
                StrokeThickness = 2,
                MarkerType = curve.Marker,
                MarkerSize = 3.5,
                MarkerFill = color,
                ItemsSource = curve.Points,
                // A series without points would still take a legend entry.
                RenderInLegend = curve.Points.Count > 0,
            };
            model.Series.Add(series);
            drawn.Add((curve, series));
        }
        if (emptyNote is not null)
            model.Annotations.Add(new TextAnnotation
            {
                Text = emptyNote,
                TextPosition = new DataPoint((epochs + 1) / 2.0, 50),
                TextColor = Theme.ToOxy(Theme.Muted),
                Stroke = OxyColors.Transparent,
                TextHorizontalAlignment = HorizontalAlignment.Center,
                TextVerticalAlignment = VerticalAlignment.Middle,
            });
        return new DrawnPanel(new PlotPanel(model, new OxyRect(left, 0, PanelWidth, PanelHeight)), name, drawn, epochAxis, boundary);
    }
}
