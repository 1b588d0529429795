using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;

namespace Microsoft.ML;

/// <summary>Pixel metrics on <c>mlContext.MulticlassClassification</c>, beside ML.NET's own <c>Evaluate</c>.</summary>
public static class SegmentationEvaluationCatalog
{
    /// <summary>
    /// Streams every row's truth and predicted label maps (vectors of keys; truth key 0, the ignore label, is
    /// skipped) into a confusion matrix and returns pixel accuracy, mean class accuracy and precision, mean IoU,
    /// frequency-weighted IoU and per-class rows (also as DataFrames), with the label column's class names.
    /// </summary>
    /// <exception cref="SchemaException">A column is missing or not a label map.</exception>
    /// <exception cref="InvalidOperationException">A prediction's size differs from its label map's (the message names the row).</exception>
    public static SegmentationMetrics EvaluateSegmentation(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string predictedLabelColumnName = "PredictedLabel", IProgress<long>? progress = null, CancellationToken cancellation = default) =>
        SegmentationEvaluator.Evaluate(data, labelColumnName, predictedLabelColumnName, progress, cancellation);
}
