using System.Globalization;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>One bar of a <see cref="HorizontalBars"/> chart: a null value draws no bar; a note follows the name (e.g. "absent").</summary>
internal sealed record Bar(string Name, double? Value, Rgb24 Color, string? Note = null);

/// <summary>
/// A horizontal bar chart with one row per category, drawn by OxyPlot: names on the left, each bar in its own colour
/// with its value written after it, a value axis with grid lines below, and an optional dashed reference line (a mean).
/// Its description has a <c>bar</c> per drawn bar (label, value, colour, box), an <c>absent</c> per category without one
/// and the <c>reference</c> line's value.
/// </summary>
internal static class HorizontalBars
{
    private const int RowPitch = 24, PlotWidth = 400, ValueRoom = 44, TitleRoom = 40, AxisRoom = 48, Margin = 8;

    /// <summary>The chart of <paramref name="bars"/> on a value axis from 0 to <paramref name="axisMax"/>; a value that is not finite draws no bar.</summary>
    /// <param name="kind">The description's kind (e.g. class-iou).</param>
    /// <param name="title">The title drawn above the chart.</param>
    /// <param name="figureTitle">The figure's title (SVG title, alternative text).</param>
    public static Figure Plot(string kind, string title, string figureTitle, IReadOnlyList<Bar> bars, string axisTitle, double axisMax, (double Value, string Label)? reference = null)
    {
        bars = bars.Select(b => b.Value is double v && !double.IsFinite(v) ? b with { Value = null } : b).ToList();
        if (!double.IsFinite(axisMax) || axisMax <= 0) axisMax = 1;
        var labels = bars.Select(b => b.Note is null ? b.Name : $"{b.Name} ({b.Note})").ToList();
        var model = PlotFigure.Model(title);
        var categories = new CategoryAxis
        {
            Position = AxisPosition.Left,
            // The first category on top, as tables list them.
            StartPosition = 1,
            EndPosition = 0,
            GapWidth = 0.35,
            // A free band above the first bar for the reference line's label.
            Minimum = reference is null ? double.NaN : -1.3,
            TickStyle = TickStyle.None,
            AxislineStyle = LineStyle.Solid,
            AxislineColor = Theme.ToOxy(Theme.Axis),
            IsZoomEnabled = false,
            IsPanEnabled = false,
        };
        categories.Labels.AddRange(labels);
        var values = new LinearAxis
        {
            Position = AxisPosition.Bottom,
            Title = axisTitle,
            Minimum = 0,
            // Room right of the longest bar for its value.
            Maximum = axisMax * (1 + (double)ValueRoom / PlotWidth),
            MajorGridlineStyle = LineStyle.Solid,
            MajorGridlineColor = Theme.ToOxy(Theme.Grid),
            TicklineColor = Theme.ToOxy(Theme.Axis),
            IsZoomEnabled = false,
            IsPanEnabled = false,
        };
        var series = new DescribedBars { StrokeThickness = 1, StrokeColor = Theme.ToOxy(Theme.Muted) };
        for (int i = 0; i < bars.Count; i++)
        {
            if (bars[i].Value is not double value) continue;
            series.Items.Add(new BarItem(value, i) { Color = Theme.ToOxy(bars[i].Color) });
            // Written by hand rather than by the series, on a white patch, so the reference line never runs through a number.
            model.Annotations.Add(Label(Value(value), new DataPoint(value, i), HorizontalAlignment.Left, new ScreenVector(4, 0)));
        }
        model.Axes.Add(categories);
        model.Axes.Add(values);
        model.Series.Add(series);
        if (reference is var (mean, label))
        {
            // In the free band above the first bar: the label on top, the dashed line from under it to the axis.
            model.Annotations.Add(new LineAnnotation
            {
                Type = LineAnnotationType.Vertical,
                X = mean,
                MinimumY = -0.75,
                LineStyle = LineStyle.Dash,
                StrokeThickness = 1.5,
                Color = Theme.ToOxy(Theme.Text),
                // Behind the bars: the line shows between them.
                Layer = AnnotationLayer.BelowSeries,
            });
            model.Annotations.Add(Label(label, new DataPoint(mean, -0.75), HorizontalAlignment.Center, new ScreenVector(0, -2), VerticalAlignment.Bottom));
        }
        float labelWidth = labels.Count == 0 ? 0 : labels.Max(l => FigureFont.Width(l, Theme.TextSize));
        int width = (int)Math.Ceiling(2 * Margin + labelWidth + 16 + PlotWidth + ValueRoom);
        int height = TitleRoom + (reference is null ? 0 : RowPitch) + Math.Max(1, bars.Count) * RowPitch + AxisRoom;
        return PlotFigure.Create(figureTitle, width, height, [new PlotPanel(model, new OxyRect(0, 0, width, height))], kind, description =>
        {
            var boxes = series.Boxes;
            int drawn = 0;
            for (int i = 0; i < bars.Count; i++)
            {
                var bar = bars[i];
                if (bar.Value is double value)
                    description.Add("bar", [("label", bar.Name), ("value", value), ("color", bar.Color), ("note", bar.Note), .. FigureDescription.Box(boxes[drawn++])]);
                else
                    description.Add("absent", ("label", bar.Name), ("note", bar.Note));
            }
            if (reference is var (referenceValue, _))
                description.Add("reference", ("value", referenceValue), ("x", Math.Round(values.Transform(referenceValue), 2)));
        });
    }

    /// <summary>A value as the bars write it: one decimal.</summary>
    internal static string Value(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    private static TextAnnotation Label(string text, DataPoint at, HorizontalAlignment alignment, ScreenVector offset, VerticalAlignment vertical = VerticalAlignment.Middle) => new()
    {
        Text = text,
        TextPosition = at,
        Offset = offset,
        TextHorizontalAlignment = alignment,
        TextVerticalAlignment = vertical,
        TextColor = Theme.ToOxy(Theme.Text),
        Background = Theme.ToOxy(Theme.Background),
        Stroke = OxyColors.Transparent,
        StrokeThickness = 0,
        Padding = new OxyThickness(1, 0, 1, 0),
    };

    /// <summary>OxyPlot's bars, telling where it drew them (in the order of the valid items).</summary>
    private sealed class DescribedBars : BarSeries
    {
        public IList<OxyRect> Boxes => ActualBarRectangles;
    }
}
