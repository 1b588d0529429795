using Microsoft.ML;
using Microsoft.ML.Data;
using Segmentation.ML.Data;

namespace Segmentation.ML.Evaluation;

/// <summary>Streams label-map columns into a confusion matrix: the evaluation behind <c>EvaluateSegmentation</c>.</summary>
internal static class SegmentationEvaluator
{
    /// <summary>
    /// Every row's truth and prediction (vectors of keys, see <see cref="LabelMapColumn"/>; truth key 0 is ignored)
    /// counted into one matrix, with the truth column's class names.
    /// </summary>
    /// <exception cref="SchemaException">A column is missing, not a label map, or the two differ in class count.</exception>
    /// <exception cref="InvalidOperationException">A prediction's length differs from its label map's (the message names the row).</exception>
    public static SegmentationMetrics Evaluate(IDataView data, string labelColumnName, string predictedLabelColumnName, IProgress<long>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(data);
        const string component = "EvaluateSegmentation";
        var label = SchemaException.Require(data.Schema, labelColumnName, IsKeyVector, "a label map (vector of keys) of ground truth", component);
        var predicted = SchemaException.Require(data.Schema, predictedLabelColumnName, IsKeyVector, "a label map (vector of keys) of predictions", component);
        var classes = LabelMapColumn.GetClasses(label);
        ulong predictedCount = ((KeyDataViewType)((VectorDataViewType)predicted.Type).ItemType).Count;
        if (predictedCount != (ulong)classes.ClassCount)
            throw new SchemaException($"'{predictedLabelColumnName}' predicts {predictedCount} classes but '{labelColumnName}' holds {classes.ClassCount} ({classes.Name}); " +
                "evaluate a model on data with the classes it was trained on.", predictedLabelColumnName);
        byte ignore = (byte)classes.ClassCount;
        var matrix = new ConfusionMatrix(classes.ClassCount, ignore);
        var idColumn = data.Schema.GetColumnOrNull("Id") is { Type: TextDataViewType } id ? id : (DataViewSchema.Column?)null;
        using var cursor = data.GetRowCursor(idColumn is { } c ? [label, predicted, c] : [label, predicted]);
        var truthGetter = cursor.GetGetter<VBuffer<uint>>(label);
        var predictionGetter = cursor.GetGetter<VBuffer<uint>>(predicted);
        VBuffer<uint> truthKeys = default, predictedKeys = default;
        byte[] truth = [], prediction = [];
        while (cursor.MoveNext())
        {
            cancellation.ThrowIfCancellationRequested();
            truthGetter(ref truthKeys);
            predictionGetter(ref predictedKeys);
            if (truthKeys.Length != predictedKeys.Length)
                throw new InvalidOperationException($"At {RowName(cursor, idColumn)} the prediction has {predictedKeys.Length} pixels but the label map {truthKeys.Length}; " +
                    "predict at the label's size (a saved ML.NET pipeline predicts at its own input size; SegmentationModel predicts at any).");
            if (truth.Length != truthKeys.Length) (truth, prediction) = (new byte[truthKeys.Length], new byte[truthKeys.Length]);
            ToLabels(truthKeys, truth, ignore);
            ToLabels(predictedKeys, prediction, ignore);
            matrix.Add(truth, prediction);
            progress?.Report(cursor.Position + 1);
        }
        return matrix.ComputeMetrics(classes.ClassNames);
    }

    private static bool IsKeyVector(DataViewType type) => type is VectorDataViewType { ItemType: KeyDataViewType { Count: > 0 and <= 255 } };

    private static void ToLabels(in VBuffer<uint> keys, byte[] labels, byte missing)
    {
        labels.AsSpan().Fill(missing);
        var values = keys.GetValues();
        if (keys.IsDense)
        {
            for (int i = 0; i < values.Length; i++) labels[i] = values[i] == 0 ? missing : (byte)(values[i] - 1);
            return;
        }
        var indices = keys.GetIndices();
        for (int i = 0; i < values.Length; i++) labels[indices[i]] = values[i] == 0 ? missing : (byte)(values[i] - 1);
    }

    private static string RowName(DataViewRowCursor cursor, DataViewSchema.Column? idColumn)
    {
        string row = "row " + cursor.Position;
        if (idColumn is { } id)
        {
            ReadOnlyMemory<char> name = default;
            cursor.GetGetter<ReadOnlyMemory<char>>(id)(ref name);
            row += $" ('{name}')";
        }
        return row;
    }
}
