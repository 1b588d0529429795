using Microsoft.Data.Analysis;
using Segmentation.ML.Evaluation;

namespace Segmentation.ML.Tests.Evaluation;

public class SegmentationMetricsDataFrameTests
{
    // Five classes over 8 pixels, one ignored (255): bus is predicted but never in the truth, boat is absent.
    //            truth: 0 0 0 1 1 2 255 0
    //       prediction: 0 0 1 1 2 3   1 0
    private static readonly string[] Names = ["background", "road", "car", "bus", "boat"];

    private static SegmentationMetrics Metrics()
    {
        var matrix = new ConfusionMatrix(5, ignoreLabel: 255);
        matrix.Add([0, 0, 0, 1, 1, 2, 255, 0], [0, 0, 1, 1, 2, 3, 1, 0]);
        return matrix.ComputeMetrics(Names);
    }

    [Fact]
    public void PerClassFrameHoldsThePerClassRowsWithNullsWhereAClassHasNoDenominator()
    {
        var metrics = Metrics();

        DataFrame frame = metrics.PerClassToDataFrame();

        Assert.Equal(["Class", "Truth pixels", "Predicted pixels", "Accuracy (recall)", "Precision", "IoU"], frame.Columns.Select(c => c.Name));
        Assert.Equal(5, frame.Rows.Count);
        for (int i = 0; i < metrics.PerClass.Count; i++)
        {
            var row = metrics.PerClass[i];
            Assert.Equal(row.Name, frame["Class"][i]);
            Assert.Equal(row.TruthPixels, frame["Truth pixels"][i]);
            Assert.Equal(row.PredictedPixels, frame["Predicted pixels"][i]);
            Assert.Equal(row.Recall, (double?)frame["Accuracy (recall)"][i]);
            Assert.Equal(row.Precision, (double?)frame["Precision"][i]);
            Assert.Equal(row.IoU, (double?)frame["IoU"][i]);
        }

        // By hand: road is 1 of 2 truth pixels right, 1 of 2 predictions right, IoU 1 / (2 + 2 − 1).
        Assert.Equal(0.5, (double)frame["Accuracy (recall)"][1]!, 12);
        Assert.Equal(1.0 / 3, (double)frame["IoU"][1]!, 12);
        // bus, predicted only: no recall, precision and IoU 0.
        Assert.Null(frame["Accuracy (recall)"][3]);
        Assert.Equal(0.0, frame["Precision"][3]);
        Assert.Equal(0.0, frame["IoU"][3]);
        // boat, absent: no metric at all, and no NaN anywhere.
        Assert.Equal(0L, frame["Truth pixels"][4]);
        Assert.Null(frame["Accuracy (recall)"][4]);
        Assert.Null(frame["Precision"][4]);
        Assert.Null(frame["IoU"][4]);
        Assert.Equal([1L, 2L, 1L], new[] { frame["Precision"].NullCount, frame["Accuracy (recall)"].NullCount, frame["IoU"].NullCount });
        // DataFrame statistics skip the nulls, so the column mean is the mean IoU.
        Assert.Equal(metrics.MeanIoU, Convert.ToDouble(frame["IoU"].Mean()), 12);
    }

    [Fact]
    public void SummaryFrameHoldsEveryHeadlineFigure()
    {
        var metrics = Metrics();

        DataFrame frame = metrics.SummaryToDataFrame();

        Assert.Equal(["Metric", "Value"], frame.Columns.Select(c => c.Name));
        var values = Enumerable.Range(0, (int)frame.Rows.Count).ToDictionary(i => (string)frame["Metric"][i], i => (double)frame["Value"][i]!);
        Assert.Equal(7, values.Count);
        Assert.Equal(4.0 / 7, values["Pixel accuracy"], 12);
        Assert.Equal(metrics.MeanClassAccuracy, values["Mean class accuracy"]);
        Assert.Equal(metrics.MeanClassPrecision, values["Mean class precision"]);
        Assert.Equal(metrics.MeanIoU, values["Mean IoU"]);
        Assert.Equal(metrics.FrequencyWeightedIoU, values["Frequency-weighted IoU"]);
        Assert.Equal(7, values["Pixels counted"]);
        Assert.Equal(1, values["Pixels ignored"]);
    }
}
