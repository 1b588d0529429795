using System.Text.Json;
using Segmentation.ML.Models.Checkpoints;
using Segmentation.ML.Models.Checkpoints.Storage;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Tests.Models.Checkpoints;

public class StateDictTests
{
    /// <summary>torchvision's state-dict shapes by architecture, dumped by the fixture script from torchvision 0.14.</summary>
    private static readonly Dictionary<string, Dictionary<string, int[]>> Torchvision =
        JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, int[]>>>(CheckpointFixtures.Bytes("torchvision-shapes.json"))!;

    [Theory]
    [InlineData("vgg11", "vgg11")]
    [InlineData("vgg16", "vgg16")]
    [InlineData("mobilenet_v2", "mobilenet_v2")]
    [InlineData("vgg16_bn", null)]
    [InlineData("resnet18", "resnet18")]
    [InlineData("resnet34", "resnet34")]
    [InlineData("resnet50", "resnet50")]
    [InlineData("wide_resnet50_2", null)]
    public void ArchitecturesAreRecognisedFromTorchvisionShapes(string model, string? expected)
    {
        var shapes = Torchvision[model];

        Assert.Equal(expected, ArchitectureDetector.Detect(key => shapes.GetValueOrDefault(key), shapes.Keys));
    }

    [Theory]
    [InlineData("vgg16")]
    [InlineData("mobilenet_v2")]
    public void FeaturesOnlyCheckpointsAreRecognisedToo(string model)
    {
        var features = Torchvision[model].Where(p => p.Key.StartsWith("features.", StringComparison.Ordinal)).ToDictionary();

        Assert.Equal(model, ArchitectureDetector.Detect(key => features.GetValueOrDefault(key), features.Keys));
    }

    [Fact]
    public void AVgg16MissingItsLastConvolutionIsNotVgg16()
    {
        var shapes = Torchvision["vgg16"].Where(p => !p.Key.StartsWith("features.28.", StringComparison.Ordinal)).ToDictionary();

        Assert.Null(ArchitectureDetector.Detect(key => shapes.GetValueOrDefault(key), shapes.Keys));
    }

    [Theory]
    [InlineData("resnet18", "layer4.1.")]
    [InlineData("resnet50", "layer3.5.")]
    public void AResNetMissingABlockIsNotThatResNet(string model, string removed)
    {
        var shapes = Torchvision[model].Where(p => !p.Key.StartsWith(removed, StringComparison.Ordinal)).ToDictionary();

        Assert.Null(ArchitectureDetector.Detect(key => shapes.GetValueOrDefault(key), shapes.Keys));
    }

    [Fact]
    public void TheTinyFixtureIsNoKnownArchitecture()
    {
        Assert.Null(Checkpoint.DetectArchitecture(Checkpoint.Load(CheckpointFixtures.PathOf("tiny.pth"))));
    }

    [Fact]
    public void CheckReportsMissingUnexpectedAndTheFirstShapeMismatch()
    {
        var stateDict = Build(("features.0.weight", [64, 3, 3, 3]), ("features.0.bias", [32]), ("features.2.weight", [8]), ("extra.weight", [1]));
        var expected = new Dictionary<string, int[]>
        {
            ["features.0.weight"] = [64, 3, 3, 3],
            ["features.0.bias"] = [64],
            ["features.2.weight"] = [9],
            ["features.2.bias"] = [64],
        };

        var report = stateDict.Check(expected);

        Assert.False(report.IsMatch);
        Assert.Equal(["features.2.bias"], report.MissingKeys);
        Assert.Equal(["extra.weight"], report.UnexpectedKeys);
        Assert.Equal("features.0.bias", report.FirstShapeMismatch!.Key);
        Assert.Equal([64], report.FirstShapeMismatch.ExpectedShape);
        Assert.Equal([32], report.FirstShapeMismatch.ActualShape);
        Assert.Equal(2, report.ShapeMismatchCount);
    }

    [Fact]
    public void TheMismatchExceptionNamesTheFirstKeyBothShapesAndTheCounts()
    {
        var expected = Torchvision["vgg16"];
        var actual = expected.Where(p => p.Key != "classifier.0.bias")
            .Select(p => (p.Key, p.Key == "classifier.6.weight" ? [21, 4096] : p.Key == "classifier.6.bias" ? [21] : p.Value))
            .Append(("aux.weight", new[] { 3 }))
            .ToArray();

        var error = Assert.Throws<CheckpointMismatchException>(() => Build(actual).Check(expected).ThrowIfMismatched());

        Assert.Equal(
            "The checkpoint does not fit the model: 'classifier.6.weight' has shape [21, 4096] where the model expects [1000, 4096] " +
            "(1 more keys differ in shape); 1 missing key (classifier.0.bias); 1 unexpected key (aux.weight). The checkpoint looks like vgg16; " +
            "check that the model is the same architecture, or ignore keys it does not use.", error.Message);
        Assert.Equal(2, error.Report.ShapeMismatchCount);
    }

    [Fact]
    public void LongKeyListsShowTheFirstFewNamesAndTheCount()
    {
        var stateDict = Build(Torchvision["vgg11"].Select(p => (p.Key, p.Value)).ToArray());

        var report = stateDict.Check(Torchvision["vgg16"]);

        Assert.Null(report.FirstShapeMismatch);
        Assert.Equal(24, report.MissingKeys.Count);
        Assert.Equal(14, report.UnexpectedKeys.Count);
        Assert.Contains("24 missing keys (features.2.weight, features.2.bias, features.5.weight, features.5.bias, features.7.weight, … (19 more))", report.ToString());
        Assert.Contains("looks like vgg11", report.ToString());
    }

    [Fact]
    public void IgnoredKeysCountOnNeitherSide()
    {
        var stateDict = Build(("features.0.weight", [2, 3, 1, 1]), ("bn.num_batches_tracked", []), ("classifier.1.weight", [10, 2]));
        var expected = new Dictionary<string, int[]> { ["features.0.weight"] = [2, 3, 1, 1], ["classifier.1.weight"] = [1000, 2] };

        var report = stateDict.Check(expected, key => StateDict.IsBatchNormCounter(key) || key.StartsWith("classifier.", StringComparison.Ordinal));

        Assert.True(report.IsMatch, report.ToString());
        report.ThrowIfMismatched();
    }

    [Fact]
    public void LookupsOfAbsentKeysSuggestSimilarOnes()
    {
        var stateDict = Build(("features.0.weight", [1]), ("features.1.weight", [1]));

        var error = Assert.Throws<KeyNotFoundException>(() => stateDict["features.9.weight"]);

        Assert.Contains("features.0.weight, features.1.weight", error.Message);
    }

    [Fact]
    public void InMemoryTensorsValidateTheirArguments()
    {
        Assert.Throws<TensorShapeException>(() => CheckpointTensor.FromFloat32("w", [2, 2], [1f, 2f, 3f]));
        Assert.Throws<TensorShapeException>(() => CheckpointTensor.FromFloat32("w", [-1], []));
        Assert.Throws<ArgumentException>(() => CheckpointTensor.FromFloat32("", [1], [1f]));
        Assert.Throws<ArgumentException>(() => new StateDict([CheckpointTensor.FromFloat32("w", [1], [1f]), CheckpointTensor.FromFloat32("w", [1], [2f])]));
        Assert.Throws<InvalidOperationException>(() => CheckpointTensor.FromFloat32("w", [1], [1f]).ToInt64());
        Assert.Throws<TensorShapeException>(() => CheckpointTensor.FromFloat32("w", [2], [1f, 2f]).CopyTo(new float[3]));
    }

    /// <summary>A state dict of float32 tensors of the given shapes whose values are never materialised (VGG16's would be 528 MB).</summary>
    private static StateDict Build(params (string Key, int[] Shape)[] tensors) =>
        new(tensors.Select(t => new CheckpointTensor(t.Key, CheckpointDType.F32, t.Shape, new Zeros(4 * t.Shape.Aggregate(1L, (a, b) => a * b)), 0, null)));

    private sealed class Zeros(long length) : StorageBytes
    {
        public override long Length => length;

        public override void Read(long offset, Span<byte> destination, string tensorName) => destination.Clear();

        public override StorageBytes Slice(long offset, long length) => new Zeros(length);
    }
}
