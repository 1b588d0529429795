using Microsoft.Data.Analysis;

namespace Segmentation.ML.Evaluation;

public sealed partial record SegmentationMetrics
{
    /// <summary>
    /// The per-class table as a <see cref="DataFrame"/>, one row per class in class order, with the columns
    /// <c>Class</c> (string), <c>Truth pixels</c> and <c>Predicted pixels</c> (long), and <c>Accuracy (recall)</c>,
    /// <c>Precision</c> and <c>IoU</c> (double, fractions in [0, 1]).
    /// </summary>
    /// <remarks>
    /// A metric a class has no denominator for is a null value, never 0 or NaN, so DataFrame statistics skip it as
    /// <see cref="MeanIoU"/> does: an absent class has nulls in all three metric columns, a predicted-only class a null
    /// recall. The values are those of <see cref="PerClass"/>; <see cref="ToMarkdown"/> shows them as percentages.
    /// </remarks>
    public DataFrame PerClassToDataFrame() => new(
        new StringDataFrameColumn("Class", PerClass.Select(row => row.Name)),
        new Int64DataFrameColumn("Truth pixels", PerClass.Select(row => row.TruthPixels)),
        new Int64DataFrameColumn("Predicted pixels", PerClass.Select(row => row.PredictedPixels)),
        new DoubleDataFrameColumn("Accuracy (recall)", PerClass.Select(row => row.Recall)),
        new DoubleDataFrameColumn("Precision", PerClass.Select(row => row.Precision)),
        new DoubleDataFrameColumn("IoU", PerClass.Select(row => row.IoU)));

    /// <summary>
    /// The summary as a two-column <see cref="DataFrame"/>, <c>Metric</c> (string) and <c>Value</c> (double), in seven rows:
    /// Pixel accuracy, Mean class accuracy, Mean class precision, Mean IoU, Frequency-weighted IoU (fractions in [0, 1]),
    /// then Pixels counted and Pixels ignored (whole numbers).
    /// </summary>
    public DataFrame SummaryToDataFrame()
    {
        (string Metric, double Value)[] rows =
        [
            ("Pixel accuracy", PixelAccuracy),
            ("Mean class accuracy", MeanClassAccuracy),
            ("Mean class precision", MeanClassPrecision),
            ("Mean IoU", MeanIoU),
            ("Frequency-weighted IoU", FrequencyWeightedIoU),
            ("Pixels counted", CountedPixels),
            ("Pixels ignored", IgnoredPixels),
        ];
        return new DataFrame(
            new StringDataFrameColumn("Metric", rows.Select(row => row.Metric)),
            new DoubleDataFrameColumn("Value", rows.Select(row => row.Value)));
    }
}
