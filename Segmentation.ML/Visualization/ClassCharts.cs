using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;

namespace Segmentation.ML.Visualization;

/// <summary>Bar charts with one bar per class, each in its palette colour.</summary>
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
            row.Presence switch { ClassPresence.Absent => "absent", ClassPresence.PredictedOnly => "0.0 (predicted only)", _ => null })).ToList();
        var drawing = HorizontalBars.Draw("Per-class IoU", bars, "IoU (%)", 100, (metrics.MeanIoU * 100, $"mean {HorizontalBars.Value(metrics.MeanIoU * 100)}"));
        return new Figure(drawing, "Per-class IoU (%)");
    }

    /// <summary>Each class's share of the labelled pixels of a split, in percent, with the images containing it.</summary>
    public static Figure PixelShares(DatasetStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var classes = statistics.Classes;
        var palette = ClassLegend.ColorsOf(classes);
        var bars = Enumerable.Range(0, classes.ClassCount).Select(c =>
        {
            double share = 100 * statistics.GetPixelShare(c, excludeIgnored: true);
            return new Bar(classes.ClassNames[c], share, ClassLegend.ColorOf(palette, c), $"{HorizontalBars.Value(share)} ({statistics.ImagesPerClass[c]} img)");
        }).ToList();
        double max = bars.Max(b => b.Value!.Value);
        var drawing = HorizontalBars.Draw($"Pixels per class, {classes.Name} ({statistics.ImageCount} images)", bars, "share of labelled pixels (%)", Math.Max(max, 1));
        return new Figure(drawing, $"Class pixel shares of {classes.Name}");
    }
}
