using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tests.Pipeline;

namespace Segmentation.ML.Tests.Hypercolumns;

/// <summary>The training log, which <c>segml train</c> shows beside its progress bar, names the stage that is running.</summary>
public class HypercolumnClassifierLogTests
{
    [Fact]
    public void LatestLogLineNamesTheStageWhoseImagesAreBeingProcessed()
    {
        var context = new SegmentationContext(seed: 1);
        var backbone = Backbone.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Backbones", "mini-mobilenet_v2.pth"));
        var data = SyntheticScenes.View(3);
        string? latest = null;
        var seen = new List<(string Stage, string? Latest)>();
        context.Log += (_, message) => latest = message;
        var pipeline = new EstimatorChain<ITransformer>()
            .Append(context.Transforms.NormalizeImageNet())
            .Append(context.Transforms.ExtractHypercolumns(backbone))
            .Append(context.Trainers.HypercolumnClassifier(new HypercolumnClassifierEstimator.Options
            {
                HiddenSizes = [8],
                SparseEpochs = 2,
                DenseEpochs = 2,
                Progress = (stage, _, _) => seen.Add((stage, latest)),
            }));

        pipeline.Fit(data);

        Assert.Equal(["sampling", "stage B epoch 1", "stage B epoch 2"], seen.Select(s => s.Stage).Distinct());
        foreach (var (stage, line) in seen)
        {
            string expected = stage == "sampling" ? "Stage A" : "Stage B epoch " + stage[^1];
            Assert.True(line?.StartsWith(expected, StringComparison.Ordinal) == true, $"While reporting '{stage}', the latest log line was '{line}'; expected it to start with '{expected}'.");
        }
    }
}
