using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Tests.Cli;

/// <summary>
/// <c>segml train --trainer hypercolumns</c> end to end on the small scene dataset, with each backbone's small
/// random-weight checkpoint in torchvision's layout, then evaluate and predict with the saved model in new processes.
/// </summary>
public sealed class HypercolumnCommandTests : IDisposable
{
    private readonly SceneFolderDataset data = new();

    private static string Checkpoint(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Backbones", $"mini-{name}.pth");

    public void Dispose() => data.Dispose();

    [Theory]
    [InlineData("mobilenet_v2", "4")]
    [InlineData("vgg16", "2")]
    [InlineData("vgg11", "1")]
    [InlineData("resnet18", "2")]
    [InlineData("resnet50", "4")]
    [InlineData("mlnet-resnet18", "4")]
    [InlineData("mobilenet_v2+mlnet-resnet18", "2")]
    public async Task TrainsEvaluatesAndPredictsWithEachBackbone(string backbone, string stride)
    {
        string model = Path.Combine(data.Root, $"{backbone}.zip");
        // mlnet-resnet18: --backbone resnet18 without --weights, ML.NET's pretrained ResNet-18 from the NuGet package;
        // combined with the mini MobileNetV2, whose checkpoint --weights names.
        string[] weights = backbone switch
        {
            "mlnet-resnet18" => ["--backbone", "resnet18"],
            "mobilenet_v2+mlnet-resnet18" => ["--backbone", "mobilenet_v2+resnet18", "--weights", Checkpoint("mobilenet_v2")],
            _ => ["--weights", Checkpoint(backbone), "--backbone", backbone],
        };
        var (exit, output, error) = await Segml.RunAsync(["train", "--dataset", "folder", "--data", data.Root, "--split", "train", "--val-split", "val",
            "--trainer", "hypercolumns", .. weights, "--output-stride", stride,
            "--sparse-epochs", "10", "--dense-epochs", "1", "--hidden", "32,16", "--seed", "3", "--out", model]);
        Assert.True(exit == 0, error + output);
        Assert.Contains("Trained hypercolumns", output);

        var (evalExit, json, evalError) = await Segml.RunAsync("evaluate", "--model", model, "--dataset", "folder", "--data", data.Root, "--split", "val", "--json");
        Assert.True(evalExit == 0, evalError);
        var metrics = JsonNode.Parse(json)!;
        // Four classes: chance is 0.25; even random-weight backbones carry colour, which separates these scenes.
        Assert.InRange(metrics["pixel_accuracy"]!.GetValue<double>(), 0.4, 1.0);

        string outputs = Path.Combine(data.Root, $"predicted-{backbone}");
        string image = data.Images("val")[0];
        var (predictExit, _, predictError) = await Segml.RunAsync("predict", "--model", model, image, "--out", outputs);
        Assert.True(predictExit == 0, predictError);
        var labels = ImageDecoder.DecodeLabelMap(Path.Combine(outputs, Path.GetFileNameWithoutExtension(image) + ".png"));
        var source = ImageDecoder.DecodeRgb(image);
        Assert.Equal((source.Width, source.Height), (labels.Width, labels.Height));
        Assert.All(labels.Labels.ToArray(), label => Assert.InRange(label, 0, SceneFolderDataset.ClassNames.Length - 1));
    }

    [Fact]
    public async Task ABackboneOtherThanResNet18NeedsWeights()
    {
        string model = Path.Combine(data.Root, "no-weights.zip");
        var (exit, _, error) = await Segml.RunAsync("train", "--dataset", "folder", "--data", data.Root, "--trainer", "hypercolumns", "--backbone", "vgg16", "--out", model);
        Assert.Equal(1, exit);
        Assert.Contains("--backbone vgg16 needs --weights FILE|NAME", error);
        var (noneExit, _, noneError) = await Segml.RunAsync("train", "--dataset", "folder", "--data", data.Root, "--trainer", "hypercolumns", "--out", model);
        Assert.Equal(1, noneExit);
        Assert.Contains("or --backbone resnet18", noneError);
        var (combinedExit, _, combinedError) = await Segml.RunAsync("train", "--dataset", "folder", "--data", data.Root, "--trainer", "hypercolumns",
            "--backbone", "vgg11+resnet18", "--weights", Checkpoint("mobilenet_v2"), "--out", model);
        Assert.Equal(1, combinedExit);
        Assert.Contains("no --weights entry holds a vgg11 (the entries hold mobilenet_v2)", combinedError);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public async Task OutputStrideOtherThanOneTwoOrFourIsAUsageErrorNamingTheAllowedValues()
    {
        string model = Path.Combine(data.Root, "stride3.zip");
        var (exit, _, error) = await Segml.RunAsync("train", "--dataset", "folder", "--data", data.Root, "--trainer", "hypercolumns",
            "--weights", Checkpoint("mobilenet_v2"), "--output-stride", "3", "--out", model);
        Assert.Equal(2, exit);
        Assert.Contains("--output-stride must be 1, 2 or 4; got 3.", error);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public async Task ASampleCacheMadeWithOtherTapsIsOneClearErrorAndNoModel()
    {
        string cache = Path.Combine(data.Root, "samples.safetensors"), model = Path.Combine(data.Root, "cached.zip");
        string[] train = ["train", "--dataset", "folder", "--data", data.Root, "--trainer", "hypercolumns", "--weights", Checkpoint("mobilenet_v2"),
            "--sparse-epochs", "1", "--dense-epochs", "0", "--hidden", "8", "--sample-cache", cache, "--out", model];
        var (exit, _, error) = await Segml.RunAsync(train);
        Assert.True(exit == 0, error);
        File.Delete(model);

        var (otherExit, _, otherError) = await Segml.RunAsync([.. train, "--taps", "features.1,features.3"]);

        Assert.Equal(1, otherExit);
        Assert.Contains($"Cannot read checkpoint '{cache}' (sample cache): the sample cache was made with other settings (", otherError);
        Assert.Contains("hypercolumn length: '128' in the file, '16' in this run", otherError);
        Assert.Contains("taps: 'features.1 (8 channels), features.3 (8 channels), features.6 (", otherError);
        Assert.Contains("in the file, 'features.1 (8 channels), features.3 (8 channels)' in this run). Train with the same settings, or delete it to sample again.", otherError);
        Assert.DoesNotContain("   at ", otherError);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public async Task ADivergingLearningRateStopsTrainingWithOneLineAndNoModel()
    {
        string model = Path.Combine(data.Root, "diverged.zip");
        var (exit, _, error) = await Segml.RunAsync("train", "--dataset", "folder", "--data", data.Root, "--trainer", "hypercolumns",
            "--weights", Checkpoint("mobilenet_v2"), "--sparse-epochs", "2", "--dense-epochs", "0", "--hidden", "8", "--learning-rate", "1e30", "--out", model);

        Assert.Equal(1, exit);
        Assert.Contains("error: Stage A diverged in epoch 1", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public async Task SavedModelPredictsBitForBitInANewProcess()
    {
        string model = Path.Combine(data.Root, "model.zip");
        var (exit, _, error) = await Segml.RunAsync("train", "--dataset", "folder", "--data", data.Root, "--trainer", "hypercolumns",
            "--weights", Checkpoint("mobilenet_v2"), "--sparse-epochs", "2", "--dense-epochs", "1", "--hidden", "16", "--seed", "5", "--out", model);
        Assert.True(exit == 0, error);

        var ml = new Microsoft.ML.MLContext { TempFilePath = data.Root };
        var loaded = ml.Model.Load(model, out _);
        string image = data.Images("val")[1];
        var rows = ml.Data.LoadFromEnumerable([new PathRow { ImagePath = image }]);
        var inProcess = loaded.Transform(rows).GetColumn<Microsoft.ML.Data.VBuffer<uint>>("PredictedLabel").Single().DenseValues().Select(v => (byte)(v - 1)).ToArray();
        (loaded as IDisposable)?.Dispose();

        string outputs = Path.Combine(data.Root, "again");
        var (predictExit, _, predictError) = await Segml.RunAsync("predict", "--model", model, image, "--out", outputs);
        Assert.True(predictExit == 0, predictError);
        var fromProcess = ImageDecoder.DecodeLabelMap(Path.Combine(outputs, Path.GetFileNameWithoutExtension(image) + ".png"));
        Assert.Equal(inProcess, fromProcess.Labels.ToArray());
    }

    [Fact]
    public async Task MirrorAndScalesOptionsPredictAndEvaluateWithTestTimeAugmentation()
    {
        string model = Path.Combine(data.Root, "mirror.zip");
        var (exit, _, error) = await Segml.RunAsync("train", "--dataset", "folder", "--data", data.Root, "--trainer", "hypercolumns",
            "--weights", Checkpoint("mobilenet_v2"), "--sparse-epochs", "2", "--dense-epochs", "0", "--hidden", "16", "--seed", "5", "--out", model);
        Assert.True(exit == 0, error);

        var (evalExit, json, evalError) = await Segml.RunAsync("evaluate", "--model", model, "--dataset", "folder", "--data", data.Root, "--split", "val", "--json", "--mirror");
        Assert.True(evalExit == 0, evalError);
        Assert.InRange(JsonNode.Parse(json)!["pixel_accuracy"]!.GetValue<double>(), 0.0, 1.0);

        string image = data.Images("val")[0];
        string outputs = Path.Combine(data.Root, "mirrored");
        var (predictExit, _, predictError) = await Segml.RunAsync("predict", "--model", model, image, "--out", outputs, "--mirror");
        Assert.True(predictExit == 0, predictError);
        var labels = ImageDecoder.DecodeLabelMap(Path.Combine(outputs, Path.GetFileNameWithoutExtension(image) + ".png"));
        Assert.Equal(ImageDecoder.DecodeRgb(image).Width, labels.Width);

        var (scaledExit, scaledJson, scaledError) = await Segml.RunAsync("evaluate", "--model", model, "--dataset", "folder", "--data", data.Root, "--split", "val", "--json", "--mirror", "--scales", "0.75,1,1.25");
        Assert.True(scaledExit == 0, scaledError);
        Assert.InRange(JsonNode.Parse(scaledJson)!["mean_iou"]!.GetValue<double>(), 0.0, 1.0);

        var (badExit, _, badError) = await Segml.RunAsync("predict", "--model", model, image, "--out", outputs, "--scales", "1,0.1");
        Assert.Equal(2, badExit);
        Assert.Contains("--scales: Scale 0.1 is outside 0.25…4.", badError);
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }
}
