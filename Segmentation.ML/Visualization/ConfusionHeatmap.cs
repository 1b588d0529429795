using System.Globalization;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;
using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>
/// The confusion matrix as a heatmap drawn by OxyPlot: one row per truth class, one column per predicted class, each
/// cell coloured by its share of the row (the fraction of that class's pixels predicted as the column's class, so the
/// diagonal is each class's recall), darker for more, with the percentage written in the cell and a colour bar beside.
/// </summary>
public static class ConfusionHeatmap
{
    private const int Padding = 8, AxisTitleRoom = 28, LabelGap = 6, SwatchSize = 10, ColorBarRoom = 84, PaletteSteps = 256;

    private static readonly (double At, Rgb24 Color)[] Ramp = [(0, new(247, 251, 255)), (0.5, new(107, 174, 214)), (1, new(8, 48, 107))];

    /// <summary>The row-normalised heatmap of <paramref name="metrics"/>' confusion matrix, with a colour bar.</summary>
    /// <param name="metrics">The evaluation.</param>
    /// <param name="classes">The classes for their colour swatches next to the names, or null for none.</param>
    public static Figure Plot(SegmentationMetrics metrics, SegmentationClassSet? classes = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var names = metrics.PerClass.Select(r => r.Name).ToArray();
        int n = names.Length;
        var palette = classes is null ? null : ClassLegend.ColorsOf(classes);
        // Smaller cells for more classes, but a grid tall enough for the colour bar's title.
        int cell = Math.Max(n <= 6 ? 44 : n <= 12 ? 36 : 28, (int)Math.Ceiling(130.0 / n));
        float nameWidth = names.Max(name => FigureFont.Width(name, Theme.TextSize));
        // With a palette, the plot area reaches past the grid's left and bottom edges by a band holding the class swatches.
        double band = palette is null ? 0 : (double)(SwatchSize + 2 * LabelGap) / cell;
        double labelRoom = LabelGap + nameWidth + AxisTitleRoom;

        // Shares in percent, x = predicted, y = truth; rows without truth pixels are NaN (painted as empty).
        var confusion = metrics.Confusion;
        var shares = new double[n, n];
        for (int truth = 0; truth < n; truth++)
        {
            long rowTotal = metrics.PerClass[truth].TruthPixels;
            for (int predicted = 0; predicted < n; predicted++)
                shares[predicted, truth] = rowTotal == 0 ? double.NaN : 100.0 * confusion[truth, predicted] / rowTotal;
        }

        var model = PlotFigure.Model("Confusion matrix: share of each truth row (%)");
        model.Subtitle = $"{metrics.CountedPixels.ToString("N0", CultureInfo.InvariantCulture)} pixels counted, {metrics.IgnoredPixels.ToString("N0", CultureInfo.InvariantCulture)} ignored";
        model.SubtitleFontSize = Theme.TextSize;
        // Few classes make a grid narrower than the title.
        model.TitleHorizontalAlignment = TitleHorizontalAlignment.CenteredWithinView;
        model.SubtitleColor = Theme.ToOxy(Theme.Muted);
        model.PlotAreaBorderThickness = new OxyThickness(0);
        model.PlotMargins = new OxyThickness(labelRoom, 4, ColorBarRoom, labelRoom);
        var predictedAxis = ClassAxis(AxisPosition.Bottom, "predicted", names, -0.5 - band, n - 0.5);
        predictedAxis.Angle = -90;
        var truthAxis = ClassAxis(AxisPosition.Left, "truth", names, -0.5, n - 0.5 + band);
        // The first class on top, as the table lists them.
        truthAxis.StartPosition = 1;
        truthAxis.EndPosition = 0;
        model.Axes.Add(predictedAxis);
        model.Axes.Add(truthAxis);
        model.Axes.Add(new LinearColorAxis
        {
            Position = AxisPosition.Right,
            Minimum = 0,
            Maximum = 100,
            MajorStep = 25,
            MinorStep = 25,
            Palette = new OxyPalette(Enumerable.Range(0, PaletteSteps).Select(i => Theme.ToOxy(ColorOf(i / (PaletteSteps - 1.0))))),
            InvalidNumberColor = Theme.ToOxy(Theme.Empty),
            Title = "% of the truth row",
            TicklineColor = Theme.ToOxy(Theme.Axis),
            IsZoomEnabled = false,
            IsPanEnabled = false,
        });
        var heatmap = new ShareCells(confusion)
        {
            // Cell edges, so one class still makes one cell (centres would need two to measure a cell by).
            X0 = -0.5,
            X1 = n - 0.5,
            Y0 = -0.5,
            Y1 = n - 0.5,
            Data = shares,
            RenderMethod = HeatMapRenderMethod.Rectangles,
            CoordinateDefinition = HeatMapCoordinateDefinition.Edge,
            LabelFontSize = 0.3,
            Interpolate = false,
        };
        model.Series.Add(heatmap);
        model.Annotations.Add(new RectangleAnnotation
        {
            MinimumX = -0.5,
            MaximumX = n - 0.5,
            MinimumY = -0.5,
            MaximumY = n - 0.5,
            Fill = OxyColors.Transparent,
            Stroke = Theme.ToOxy(Theme.Axis),
            StrokeThickness = 1,
            Layer = AnnotationLayer.AboveSeries,
        });
        if (palette is not null)
        {
            // Beside each row name and above each column name, in the band, in data units of the category axes (one cell is 1).
            double side = (double)SwatchSize / cell, near = 0.5 + (double)LabelGap / cell;
            for (int c = 0; c < n; c++)
            {
                var fill = Theme.ToOxy(ClassLegend.ColorOf(palette, c));
                model.Annotations.Add(Swatch(-near - side, -near, c - side / 2, c + side / 2, fill));
                model.Annotations.Add(Swatch(c - side / 2, c + side / 2, n - 1 + near, n - 1 + near + side, fill));
            }
        }

        var titleHeight = FigureFont.Metrics(Theme.TitleSize).LineSpacing + FigureFont.Metrics(Theme.TextSize).LineSpacing + model.TitlePadding;
        int width = (int)Math.Ceiling(Math.Max(2 * Padding + labelRoom + (n + band) * cell + ColorBarRoom, 2 * Padding + 8 + FigureFont.Width(model.Title, Theme.TitleSize)));
        int height = (int)Math.Ceiling(2 * Padding + titleHeight + 4 + (n + band) * cell + labelRoom);
        return PlotFigure.Create("Confusion matrix (rows: truth, normalised)", width, height, [new PlotPanel(model, new OxyRect(0, 0, width, height))], "confusion", description =>
        {
            for (int truth = 0; truth < n; truth++)
                for (int predicted = 0; predicted < n; predicted++)
                {
                    var box = new OxyRect(heatmap.Transform(predicted - 0.5, truth - 0.5), heatmap.Transform(predicted + 0.5, truth + 0.5));
                    double share = shares[predicted, truth];
                    description.Add("cell", [("truth", names[truth]), ("predicted", names[predicted]), ("pixels", confusion[truth, predicted]),
                        ("share", double.IsNaN(share) ? null : share / 100), ("color", double.IsNaN(share) ? Theme.Empty : ColorOf(share / 100)), .. FigureDescription.Box(box)]);
                }
        });
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

    private static CategoryAxis ClassAxis(AxisPosition position, string title, string[] names, double minimum, double maximum)
    {
        var axis = new CategoryAxis
        {
            Position = position,
            Title = title,
            Minimum = minimum,
            Maximum = maximum,
            TickStyle = TickStyle.None,
            AxislineStyle = LineStyle.None,
            AxisTickToLabelDistance = LabelGap,
            IsZoomEnabled = false,
            IsPanEnabled = false,
        };
        axis.Labels.AddRange(names);
        return axis;
    }

    private static RectangleAnnotation Swatch(double minimumX, double maximumX, double minimumY, double maximumY, OxyColor fill) => new()
    {
        MinimumX = minimumX,
        MaximumX = maximumX,
        MinimumY = minimumY,
        MaximumY = maximumY,
        Fill = fill,
        Stroke = Theme.ToOxy(Theme.Muted),
        StrokeThickness = 1,
        ClipByXAxis = false,
        ClipByYAxis = false,
        Layer = AnnotationLayer.AboveSeries,
    };

    /// <summary>
    /// Cells labelled with the rounded percentage, "&lt;1" for a share that rounds to 0 and nothing where no pixel fell,
    /// in black or white as the cell's colour needs, at each cell's centre (OxyPlot's own labels need two cells a side).
    /// </summary>
    private sealed class ShareCells(ConfusionMatrix confusion) : HeatMapSeries
    {
        protected override void RenderLabels(IRenderContext rc, OxyRect rect)
        {
            int n = Data.GetLength(0);
            double fontSize = Math.Min(Theme.TitleSize, Math.Abs(Transform(new DataPoint(0, 0.5)).Y - Transform(new DataPoint(0, -0.5)).Y) * LabelFontSize);
            for (int predicted = 0; predicted < n; predicted++)
                for (int truth = 0; truth < n; truth++)
                {
                    double share = Data[predicted, truth];
                    if (double.IsNaN(share) || confusion[truth, predicted] == 0) continue;
                    string label = share < 0.5 ? "<1" : Math.Round(share).ToString("0", CultureInfo.InvariantCulture);
                    var fill = ColorAxis.GetColor(share).ToHsv()[2] > 0.6 ? OxyColors.Black : OxyColors.White;
                    rc.DrawText(Transform(new DataPoint(predicted, truth)), label, fill, ActualFont, fontSize, FontWeights.Normal, 0, HorizontalAlignment.Center, VerticalAlignment.Middle);
                }
        }
    }
}
