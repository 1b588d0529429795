using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;

namespace Segmentation.ML.Visualization;

/// <summary>
/// <see cref="SegmentationMetrics"/> as HTML tables for notebooks (<c>display(HTML(metrics.ToHtml()))</c>) and reports.
/// Percentages have one decimal; "—" marks a metric a class has no denominator for.
/// </summary>
public static class MetricsHtml
{
    /// <summary>The summary table followed by the per-class table.</summary>
    /// <param name="metrics">The evaluation.</param>
    /// <param name="classes">The classes for colour swatches beside the names, or null for none.</param>
    public static string ToHtml(this SegmentationMetrics metrics, SegmentationClassSet? classes = null) =>
        $"<div class=\"segml-metrics\">{metrics.SummaryToHtml()}<br/>{metrics.PerClassToHtml(classes)}</div>";

    /// <summary>
    /// Seven rows: pixel accuracy, mean class accuracy, mean class precision, mean IoU, frequency-weighted IoU (%),
    /// pixels counted and pixels ignored.
    /// </summary>
    public static string SummaryToHtml(this SegmentationMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return new HtmlTable("segml-summary", null, "Metric", "#Value")
            .Row("Pixel accuracy", HtmlTable.Percent(metrics.PixelAccuracy) + " %")
            .Row("Mean class accuracy", HtmlTable.Percent(metrics.MeanClassAccuracy) + " %")
            .Row("Mean class precision", HtmlTable.Percent(metrics.MeanClassPrecision) + " %")
            .Row("<b>Mean IoU</b>", "<b>" + HtmlTable.Percent(metrics.MeanIoU) + " %</b>")
            .Row("Frequency-weighted IoU", HtmlTable.Percent(metrics.FrequencyWeightedIoU) + " %")
            .Row("Pixels counted", HtmlTable.Count(metrics.CountedPixels))
            .Row("Pixels ignored", HtmlTable.Count(metrics.IgnoredPixels))
            .ToString();
    }

    /// <summary>One row per class, in class order: truth and predicted pixels, precision, recall (the class accuracy) and IoU in %; absent and predicted-only classes are marked.</summary>
    public static string PerClassToHtml(this SegmentationMetrics metrics, SegmentationClassSet? classes = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var palette = classes is null ? null : ClassLegend.ColorsOf(classes);
        var table = new HtmlTable("segml-per-class", null, "Class", "#Truth px", "#Predicted px", "#Precision %", "#Recall %", "#IoU %");
        foreach (var row in metrics.PerClass)
        {
            string note = row.Presence switch
            {
                ClassPresence.Absent => " <small>(absent)</small>",
                ClassPresence.PredictedOnly => " <small>(predicted only)</small>",
                _ => "",
            };
            table.Row(HtmlTable.Swatch(row.Name, palette is null ? null : ClassLegend.ColorOf(palette, row.Index)) + note,
                HtmlTable.Count(row.TruthPixels), HtmlTable.Count(row.PredictedPixels),
                HtmlTable.Percent(row.Precision), HtmlTable.Percent(row.Recall), HtmlTable.Percent(row.IoU));
        }
        return table.ToString();
    }
}
