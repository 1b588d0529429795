using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Imaging;

namespace Segmentation.ML;

/// <summary>The evaluators of <see cref="SegmentationContext.Evaluation"/>.</summary>
public static class EvaluationCatalogExtensions
{
    /// <summary>
    /// Streams every row's truth and prediction into a confusion matrix (the label column's ignore value
    /// skipped) and returns the pixel metrics with the label column's class names.
    /// </summary>
    /// <exception cref="SchemaException">A column is missing or not a LabelMap.</exception>
    /// <exception cref="InvalidOperationException">A prediction's size differs from its label map's (the message names the row).</exception>
    public static SegmentationMetrics Evaluate(this EvaluationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string predictedLabelColumnName = "PredictedLabel", IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var label = SchemaChecks.Require<LabelMapDataViewType>(data.Schema, labelColumnName, "a LabelMap column of ground truth", "Evaluate");
        var predicted = SchemaChecks.Require<LabelMapDataViewType>(data.Schema, predictedLabelColumnName, "a LabelMap column of predictions", "Evaluate");
        var classes = ((LabelMapDataViewType)label.Type).Classes;
        var matrix = new ConfusionMatrix(classes.ClassCount, classes.IgnoreValue);
        var idColumn = data.Schema.GetColumnOrNull("Id") is { Type: TextDataViewType } id ? id : null;
        using var cursor = data.GetRowCursor(idColumn is null ? [label, predicted] : [label, predicted, idColumn]);
        var truthGetter = cursor.GetGetter<LabelMap>(label);
        var predictionGetter = cursor.GetGetter<LabelMap>(predicted);
        var idGetter = idColumn is null ? null : cursor.GetGetter<string>(idColumn);
        LabelMap truth = null!, prediction = null!;
        while (cursor.MoveNext())
        {
            catalog.Context.CancellationToken.ThrowIfCancellationRequested();
            truthGetter(ref truth);
            predictionGetter(ref prediction);
            if (truth.Width != prediction.Width || truth.Height != prediction.Height)
            {
                string row = "row " + cursor.Position;
                if (idGetter is not null)
                {
                    string name = "";
                    idGetter(ref name);
                    row += $" ('{name}')";
                }
                throw new InvalidOperationException($"At {row} the prediction is {prediction.Width}×{prediction.Height} but the label map is {truth.Width}×{truth.Height}; predict at the label's size.");
            }
            matrix.Add(truth.Labels, prediction.Labels);
            progress?.Report(cursor.Position + 1);
        }
        return matrix.ComputeMetrics(classes.ClassNames);
    }
}
