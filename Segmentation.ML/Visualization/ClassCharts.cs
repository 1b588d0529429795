using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;

namespace Segmentation.ML.Visualization;

/// <summary>Bar charts with one bar per class, each in its palette colour, drawn by OxyPlot.</summary>
public static class ClassCharts
{
    /// <summary>
    /// Per-class IoU in percent with the mean IoU as a dashed line. Absent classes (neither in the truth nor
    /// predicted) get no bar and are marked "absent"; predicted-only ones get their bar of 0.
    /// </summary>
    /// <param name="metrics">The evaluation.</param>
    /// <param name="classes">The classes for their colours, or null for the VOC palette.</param>
    public static Figure IoU(SegmentationMetrics metrics, SegmentationClassSet? classes = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var palette = classes is null ? Imaging.Palette.Voc : ClassLegend.ColorsOf(classes);
        var bars = metrics.PerClass.Select(row => new Bar(row.Name, row.IoU * 100, ClassLegend.ColorOf(palette, row.Index),
            row.Presence switch { ClassPresence.Absent => "absent", ClassPresence.PredictedOnly => "predicted only", _ => null })).ToList();
        (double, string)? mean = double.IsFinite(metrics.MeanIoU) ? (metrics.MeanIoU * 100, $"mean {HorizontalBars.Value(metrics.MeanIoU * 100)}") : null;
        return HorizontalBars.Plot("class-iou", "Per-class IoU", "Per-class IoU (%)", bars, "IoU (%)", 100, mean);
    }

    /// <summary>Each class's share of the labelled pixels of a split, in percent, with the images containing it.</summary>
    public static Figure PixelShares(DatasetStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var classes = statistics.Classes;
        var palette = ClassLegend.ColorsOf(classes);
        var bars = Enumerable.Range(0, classes.ClassCount).Select(c => new Bar(classes.ClassNames[c], 100 * statistics.GetPixelShare(c, excludeIgnored: true),
            ClassLegend.ColorOf(palette, c), statistics.ImagesPerClass[c] == 1 ? "1 image" : $"{statistics.ImagesPerClass[c]} images")).ToList();
        double max = bars.Select(b => b.Value!.Value).Where(double.IsFinite).DefaultIfEmpty(0).Max();
        return HorizontalBars.Plot("pixel-shares", $"Pixels per class, {classes.Name} ({statistics.ImageCount} images)", $"Class pixel shares of {classes.Name}",
            bars, "share of labelled pixels (%)", Math.Max(max, 1));
    }
}
