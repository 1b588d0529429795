using System.Diagnostics;
using System.Text.Json.Nodes;
using Segmentation.ML.Tests.Data;
using Xunit.Abstractions;

namespace Segmentation.ML.Tests.Cli;

public sealed class CamVidBaselineTests(ITestOutputHelper output)
{
    /// <summary>
    /// The pixel prior on CamVid (train → val) as a user runs it. Observed: mean IoU 0.168, pixel accuracy
    /// 0.595 (60×45 grid); the bound is loose so a changed grid or resize rule does not fail it, a broken pipeline does.
    /// </summary>
    [SharedDataFact]
    public async Task PixelPriorTrainedOnCamVidTrainScoresAPlausibleBaselineOnVal()
    {
        string model = Path.Combine(Path.GetTempPath(), $"segml-camvid-prior-{Guid.NewGuid():N}.zip");
        try
        {
            var clock = Stopwatch.StartNew();
            var (trainExit, trainOutput, trainError) = await Segml.RunAsync("train", "--dataset", "camvid", "--data", SharedData.CamVid, "--split", "train",
                "--trainer", "pixel-prior", "--out", model);
            Assert.True(trainExit == 0, trainError);
            Assert.Contains("367 images", trainOutput);

            var (exit, json, error) = await Segml.RunAsync("evaluate", "--model", model, "--dataset", "camvid", "--data", SharedData.CamVid, "--split", "val", "--json");
            Assert.True(exit == 0, error);
            var metrics = JsonNode.Parse(json)!;
            double meanIoU = metrics["mean_iou"]!.GetValue<double>(), pixelAccuracy = metrics["pixel_accuracy"]!.GetValue<double>();
            output.WriteLine($"CamVid val: mean IoU {meanIoU:F4}, pixel accuracy {pixelAccuracy:F4}, train + evaluate {clock.Elapsed.TotalSeconds:F1} s.");

            Assert.Equal(101, metrics["images"]!.GetValue<int>());
            Assert.Equal(11, metrics["per_class"]!.AsArray().Count);
            Assert.InRange(meanIoU, 0.15, 0.5);
            Assert.InRange(pixelAccuracy, 0.5, 0.9);
        }
        finally
        {
            File.Delete(model);
        }
    }
}
