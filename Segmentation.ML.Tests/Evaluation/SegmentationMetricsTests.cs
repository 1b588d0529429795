using System.Text.Json.Nodes;
using Segmentation.ML.Evaluation;

namespace Segmentation.ML.Tests.Evaluation;

public class SegmentationMetricsTests
{
    // Truth and prediction of 8 pixels, one of them ignored (255), over 4 classes of which class 3 never occurs:
    //            truth: 0 0 0 1 1 2 255 0
    //       prediction: 0 0 1 1 2 2   1 0
    // Confusion (rows truth, columns prediction): [3 1 0 0] [0 1 1 0] [0 0 1 0] [0 0 0 0].
    private static readonly byte[] Truth = [0, 0, 0, 1, 1, 2, 255, 0];
    private static readonly byte[] Prediction = [0, 0, 1, 1, 2, 2, 1, 0];

    [Fact]
    public void MetricsEqualHandComputedValues()
    {
        var matrix = new ConfusionMatrix(4, ignoreLabel: 255);
        matrix.Add(Truth, Prediction);
        var m = matrix.ComputeMetrics(["background", "road", "car", "boat"]);

        Assert.Equal(7, m.CountedPixels);
        Assert.Equal(1, m.IgnoredPixels);
        Assert.Equal(3, matrix[0, 0]);
        Assert.Equal(1, matrix[0, 1]);
        Assert.Equal(1, matrix[1, 2]);
        Assert.Equal(5.0 / 7, m.PixelAccuracy, 12);
        Assert.Equal((3.0 / 4 + 1.0 / 2 + 1.0) / 3, m.MeanClassAccuracy, 12);
        Assert.Equal((1.0 + 1.0 / 2 + 1.0 / 2) / 3, m.MeanClassPrecision, 12);
        Assert.Equal((3.0 / 4 + 1.0 / 3 + 1.0 / 2) / 3, m.MeanIoU, 12);
        Assert.Equal((4 * 3.0 / 4 + 2 * 1.0 / 3 + 1 * 1.0 / 2) / 7, m.FrequencyWeightedIoU, 12);

        var boat = m.PerClass[3];
        Assert.Equal(ClassPresence.Absent, boat.Presence);
        Assert.Null(boat.IoU);
        Assert.Null(boat.Precision);
        Assert.Null(boat.Recall);
    }

    [Fact]
    public void PredictedOnlyAndMissedClassesCountAsZeroNotAsAbsent()
    {
        var matrix = new ConfusionMatrix(3, ignoreLabel: null);
        matrix.Add([0, 0, 1, 1], [0, 2, 0, 0]);
        var m = matrix.ComputeMetrics();
        Assert.Equal(ClassPresence.InTruth, m.PerClass[1].Presence);
        Assert.Equal(0.0, m.PerClass[1].Precision);
        Assert.Equal(0.0, m.PerClass[1].IoU);
        Assert.Equal(ClassPresence.PredictedOnly, m.PerClass[2].Presence);
        Assert.Null(m.PerClass[2].Recall);
        Assert.Equal(0.0, m.PerClass[2].IoU);
        // IoU: class 0 = 1 / (2 + 3 − 1) = 1/4; classes 1 and 2 = 0.
        Assert.Equal(1.0 / 12, m.MeanIoU, 12);
        Assert.Equal((0.5 + 0) / 2, m.MeanClassAccuracy, 12);
    }

    [Fact]
    public void StreamingAndMergingEqualOneBatch()
    {
        var whole = new ConfusionMatrix(4, 255);
        whole.Add(Truth, Prediction);
        var first = new ConfusionMatrix(4, 255);
        first.Add(Truth.AsSpan(0, 3), Prediction.AsSpan(0, 3));
        var second = new ConfusionMatrix(4, 255);
        second.Add(Truth.AsSpan(3), Prediction.AsSpan(3));
        first.Add(second);
        Assert.Equal(whole.ComputeMetrics().ToJson(), first.ComputeMetrics().ToJson());
    }

    [Fact]
    public void BadLabelsAndShapesAreRefused()
    {
        var matrix = new ConfusionMatrix(4, 255);
        var truth = Assert.Throws<LabelOutOfRangeException>(() => matrix.Add([0, 7], [0, 0]));
        Assert.Equal(7, truth.Label);
        Assert.Equal(1, truth.Pixel);
        Assert.Contains("ignore label 255", truth.Message);
        Assert.Throws<LabelOutOfRangeException>(() => matrix.Add([0, 1], [0, 4]));
        Assert.Throws<ArgumentException>(() => matrix.Add([0, 1], [0]));
        Assert.Equal(0, matrix.CountedPixels);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(4, ignoreLabel: 2));
        Assert.Throws<ArgumentException>(() => matrix.Add(new ConfusionMatrix(5, 255)));
        Assert.Throws<ArgumentException>(() => matrix.ComputeMetrics(["only one name"]));
    }

    [Fact]
    public void ReportsCarryEveryFigureAndMarkAbsentClasses()
    {
        var matrix = new ConfusionMatrix(4, 255);
        matrix.Add(Truth, Prediction);
        var m = matrix.ComputeMetrics(["background", "road", "car", "boat"]);

        var json = JsonNode.Parse(m.ToJson())!.AsObject();
        foreach (var key in new[] { "pixel_accuracy", "mean_class_accuracy", "mean_class_precision", "mean_iou", "fw_iou" })
            Assert.InRange(json[key]!.GetValue<double>(), 0, 1);
        var rows = json["per_class"]!.AsArray();
        Assert.Equal(4, rows.Count);
        Assert.Equal("absent", rows[3]!["presence"]!.GetValue<string>());
        Assert.Null(rows[3]!["iou"]);

        string markdown = m.ToMarkdown();
        Assert.Contains("| Mean IoU | 52.8 % |", markdown);
        Assert.Contains("| boat (absent) | 0 | — | — | — |", markdown);

        var csv = m.ConfusionToCsv().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("truth\\predicted,background,road,car,boat", csv[0]);
        Assert.Equal("background,3,1,0,0", csv[1]);
    }
}
