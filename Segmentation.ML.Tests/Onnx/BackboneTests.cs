using Segmentation.ML.Imaging;
using Segmentation.ML.Models;
using Segmentation.ML.Models.Checkpoints;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tensors;
using Segmentation.ML.Tests.Models.Checkpoints;
using Segmentation.ML.Transforms;

namespace Segmentation.ML.Tests.Onnx;

/// <summary>
/// Backbones on ONNX Runtime against torchvision's own activations (fixtures from scripts/fixtures/make_backbone_fixtures.py).
/// Tolerance, relative to each tap's largest magnitude: float32 sums over up to 4608 terms in another order
/// differ by ~√K·ε ≈ 1e-5 at worst, while a wrong weight layout, padding or rounding is off by O(1).
/// VGG and ResNet: 1e-5 (measured ≤ 1.2e-6 for VGG; under 2e-6 at every block of the mini resnet18 and resnet50, 1.3e-6 at
/// resnet50's layer3.2). MobileNetV2: 1e-4 — the random mini network's 18 un-normalised blocks
/// amplify rounding (measured ≤ 6.1e-5 at features.18; torchvision itself moved 1.1e-5 there between two machines).
/// </summary>
public class BackboneTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Backbones", name);

    private static void AssertTapsMatch(Backbone backbone, StateDict expected, IReadOnlyList<string> taps)
    {
        var input = expected["input"];
        int height = input.Shape[1], width = input.Shape[2];
        double tolerance = backbone is MobileNetV2 ? 1e-4 : 1e-5;
        using var features = backbone.Forward(input.ToFloat32(), height, width, taps);
        Assert.Equal(taps, features.Maps.Select(m => m.Tap.Name));
        foreach (var (tap, map) in features.Maps)
        {
            var truth = expected[tap.Name];
            Assert.Equal(truth.Shape, map.Shape.ToArray());
            var values = truth.ToFloat32();
            double scale = values.Max(Math.Abs), worst = 0;
            for (int i = 0; i < values.Length; i++) worst = Math.Max(worst, Math.Abs(values[i] - map.Span[i]));
            Assert.True(worst <= tolerance * scale, $"{backbone.Architecture} {tap.Name}: max error {worst:G3} over a max magnitude of {scale:G3}.");
        }
    }

    [Theory]
    [InlineData("vgg11", new[] { "features.1", "features.4", "features.9", "features.14", "features.19" })]
    [InlineData("vgg16", new[] { "features.3", "features.8", "features.15", "features.22", "features.29" })]
    public void VggTapsEqualTorchvision(string architecture, string[] defaultTaps)
    {
        using var backbone = Backbone.Load(Fixture($"mini-{architecture}.pth"));
        Assert.IsType<Vgg>(backbone);
        Assert.Equal(architecture, backbone.Architecture);
        Assert.Equal(defaultTaps, backbone.DefaultTaps);
        Assert.Equal(new[] { 1, 2, 4, 8, 16 }, defaultTaps.Select(t => backbone.AvailableTaps.Single(a => a.Name == t).Stride));
        AssertTapsMatch(backbone, SafetensorsFile.Read(Fixture($"mini-{architecture}-taps.safetensors")), defaultTaps);
    }

    [Theory]
    [InlineData("resnet18", new[] { 8, 8, 16, 16, 32 })]
    [InlineData("resnet50", new[] { 8, 16, 32, 32, 64 })]
    public void ResNetTapsEqualTorchvisionAtEveryBlockWithBatchNormFolded(string architecture, int[] defaultChannels)
    {
        using var backbone = Backbone.Load(Fixture($"mini-{architecture}.pth"));
        Assert.IsType<ResNet>(backbone);
        Assert.Equal(architecture, backbone.Architecture);
        Assert.Equal(["relu", "layer1", "layer2", "layer3", "layer4"], backbone.DefaultTaps);
        var defaults = backbone.DefaultTaps.Select(t => backbone.AvailableTaps.Single(a => a.Name == t)).ToList();
        Assert.Equal(defaultChannels, defaults.Select(t => t.Channels));
        Assert.Equal(new[] { 2, 4, 8, 16, 32 }, defaults.Select(t => t.Stride));
        Assert.Equal("RGB, ImageNet mean/std", backbone.InputNormalization);

        // Every block of torchvision's structure, on a 45×37 input whose odd sizes exercise the rounding of each stride-2 layer.
        var expected = SafetensorsFile.Read(Fixture($"mini-{architecture}-taps.safetensors"));
        var taps = expected.Tensors.Select(t => t.Name).Where(n => n != "input").ToArray();
        Assert.Equal(backbone.AvailableTaps.Select(t => t.Name), taps);
        AssertTapsMatch(backbone, expected, taps);
    }

    [Fact]
    public void MobileNetV2TapsAndLogitsEqualTorchvisionWithBatchNormFolded()
    {
        using var backbone = (MobileNetV2)Backbone.Load(Fixture("mini-mobilenet_v2.pth"));
        var expected = SafetensorsFile.Read(Fixture("mini-mobilenet_v2-taps.safetensors"));
        AssertTapsMatch(backbone, expected, ["features.1", "features.3", "features.6", "features.13", "features.17", "features.18"]);
        var input = expected["input"];
        var logits = backbone.Classify(input.ToFloat32(), input.Shape[1], input.Shape[2]);
        var truth = expected["logits"].ToFloat32();
        Assert.Equal(10, backbone.ClassCount);
        for (int i = 0; i < truth.Length; i++) Assert.Equal(truth[i], logits[i], 1e-4 * truth.Max(Math.Abs));
    }

    [SharedWeightsFact("mobilenet_v2-imagenet.pth", "mobilenet_v2-imagenet.safetensors")]
    public void ImageNetMobileNetV2MatchesTorchvisionFromBothFileFormats()
    {
        var expected = SafetensorsFile.Read(Fixture("imagenet-mobilenet_v2-taps.safetensors"));
        string[] taps = ["features.1", "features.3", "features.6", "features.13", "features.17", "features.18"];
        foreach (var file in new[] { "mobilenet_v2-imagenet.pth", "mobilenet_v2-imagenet.safetensors" })
        {
            using var backbone = Backbone.Load(Path.Combine(SharedWeights.Folder!, file));
            Assert.Equal(new[] { 16, 24, 32, 96, 320 }, backbone.DefaultTaps.Select(t => backbone.AvailableTaps.Single(a => a.Name == t).Channels));
            AssertTapsMatch(backbone, expected, taps);
        }
    }

    [SharedWeightsTheory("mobilenet_v2-imagenet.safetensors")]
    [InlineData("chelsea.png", 285)]
    [InlineData("coffee.png", 967)]
    public void ImageNetMobileNetV2ClassifiesTheSamplePhotos(string photo, int imageNetClass)
    {
        using var backbone = (MobileNetV2)Backbone.Load(Path.Combine(SharedWeights.Folder!, "mobilenet_v2-imagenet.safetensors"));
        // torchvision's evaluation transform: resize the shorter side to 256, centre crop 224, normalise.
        var image = ImageDecoder.DecodeRgb(Fixture(photo));
        double scale = 256.0 / Math.Min(image.Width, image.Height);
        int width = (int)Math.Round(image.Width * scale), height = (int)Math.Round(image.Height * scale);
        var resized = ImageOps.ResizeBilinear(image, height, width);
        var crop = ImageOps.Crop(resized, (height - 224) / 2, (width - 224) / 2, 224, 224, flip: false);
        var input = new float[3 * 224 * 224];
        ImageNet.Normalize(crop.Pixels, 224, 224, input);
        var logits = backbone.Classify(input, 224, 224);
        Assert.Equal(imageNetClass, Array.IndexOf(logits, logits.Max()));
    }

    [Fact]
    public void WrongCheckpointsAndTapsAreRefusedClearly()
    {
        using var backbone = Backbone.Load(Fixture("mini-vgg11.pth"));
        var tap = Assert.Throws<ArgumentException>(() => backbone.Forward(new float[3 * 8 * 8], 8, 8, ["features.2"]));
        Assert.Contains("features.1, features.4", tap.Message);

        var parameters = Checkpoint.Load(Fixture("mini-mobilenet_v2.pth")).Tensors
            .Where(t => t.DType != CheckpointDType.I64 && t.Name != "features.5.conv.1.1.running_var")
            .ToDictionary(t => t.Name, t => new ParameterTensor(t.Shape, t.ToFloat32()));
        var missing = Assert.Throws<ModelLoadException>(() => Backbone.FromParameters(parameters));
        Assert.Contains("'features.5.conv.1.1.running_var'", missing.Message);

        parameters["features.5.conv.1.1.running_var"] = new ParameterTensor([7], new float[7]);
        var shape = Assert.Throws<ModelLoadException>(() => Backbone.FromParameters(parameters));
        Assert.Contains("has shape [7]", shape.Message);

        var unknown = Assert.Throws<ModelLoadException>(() => Backbone.FromParameters(new Dictionary<string, ParameterTensor> { ["fc.weight"] = new([2, 2], new float[4]) }));
        Assert.Contains("fc.weight", unknown.Message);
        var batchNorm = new Dictionary<string, ParameterTensor>
        {
            ["features.0.weight"] = new([8, 3, 3, 3], new float[216]),
            ["features.1.running_mean"] = new([8], new float[8]),
        };
        Assert.Contains("BatchNorm", Assert.Throws<ModelLoadException>(() => Backbone.FromParameters(batchNorm)).Message);
    }

    [Fact]
    public void CheckpointsOfOtherNetworksNameTheirFirstKeysAndWhatToDo()
    {
        var vgg = Checkpoint.Load(Fixture("mini-vgg11.pth"));
        var wrapped = new StateDict(vgg.Tensors.Select(t => CheckpointTensor.FromBytes("module." + t.Name, t.DType, t.Shape, t.ToBytes())));
        var prefixed = Assert.Throws<ModelLoadException>(() => Backbone.FromStateDict(wrapped));
        Assert.Contains("its first keys are: module.features.0.weight, module.features.0.bias", prefixed.Message);
        Assert.Contains("strip it", prefixed.Message);

        string[] vitKeys = ["class_token", "conv_proj.weight", "conv_proj.bias", "encoder.pos_embedding", "encoder.layers.encoder_layer_0.ln_1.weight", "heads.head.weight"];
        var vit = new StateDict(vitKeys.Select(k => CheckpointTensor.FromFloat32(k, [2], [0.5f, -0.5f])));
        var other = Assert.Throws<ModelLoadException>(() => Backbone.FromStateDict(vit));
        Assert.Contains("its first keys are: class_token, conv_proj.weight, conv_proj.bias, encoder.pos_embedding, encoder.layers.encoder_layer_0.ln_1.weight (of 6)", other.Message);
        Assert.Contains("resnet50", other.Message);

        string[] resNetKeys = ["conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight", "fc.weight", "fc.bias"];
        var resNet = new StateDict(resNetKeys.Select(k => CheckpointTensor.FromFloat32(k, [2], [0.5f, -0.5f])));
        var blocks = Assert.Throws<ModelLoadException>(() => Backbone.FromStateDict(resNet));
        Assert.Contains("1, 0, 0, 0 basic blocks in layer1 … layer4", blocks.Message);

        Assert.Contains("it holds no tensors", Assert.Throws<ModelLoadException>(() => Backbone.FromStateDict(new StateDict([]))).Message);
    }

    [Fact]
    public void AWrongFirstConvolutionOrBatchNormSaysWhatTorchvisionHasThere()
    {
        var mobileNet = Checkpoint.Load(Fixture("mini-mobilenet_v2.pth"));
        StateDict With(string key, int[] shape) => new(mobileNet.Tensors.Select(t => t.Name == key
            ? CheckpointTensor.FromFloat32(key, shape, new float[shape.Aggregate(1, (a, b) => a * b)])
            : t));

        var stem = Assert.Throws<ModelLoadException>(() => Backbone.FromStateDict(With("features.0.0.weight", [3, 3, 3, 3])));
        Assert.Equal("'features.0.0.weight' has shape [3, 3, 3, 3]; mobilenet_v2 expects [32 × width, 3, 3, 3] with a multiple of 8 output channels " +
            "(torchvision's ImageNet model: [32, 3, 3, 3]). Is it a torchvision mobilenet_v2 state dict?", stem.Message);

        var norm = Assert.Throws<ModelLoadException>(() => Backbone.FromStateDict(With("features.0.1.running_var", [16])));
        Assert.StartsWith("'features.0.1.running_var' has shape [16], but 'features.0.0.weight' [8, 3, 3, 3] has 8 output channels; mobilenet_v2 expects one value per channel there ([8]).", norm.Message);

        var vgg = Checkpoint.Load(Fixture("mini-vgg11.pth"));
        var bias = Assert.Throws<ModelLoadException>(() => Backbone.FromStateDict(new StateDict(vgg.Tensors.Select(t => t.Name == "features.0.bias"
            ? CheckpointTensor.FromFloat32(t.Name, [3], [0, 0, 0])
            : t))));
        Assert.Contains("'features.0.bias' has shape [3], but 'features.0.weight'", bias.Message);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+∞")]
    [InlineData(float.NegativeInfinity, "−∞")]
    public void WeightsWithNonFiniteValuesAreRefusedNamingTheFileAndTensor(float bad, string shown)
    {
        var vgg = Checkpoint.Load(Fixture("mini-vgg11.pth"));
        string path = Path.Combine(Path.GetTempPath(), $"segml-nonfinite-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsFile.Write(path, vgg.Tensors.Select(t =>
            {
                if (t.Name != "features.3.weight") return t;
                var values = t.ToFloat32();
                values[5] = bad;
                values[^1] = bad;
                return CheckpointTensor.FromFloat32(t.Name, t.Shape, values);
            }));
            var error = Assert.Throws<CheckpointFormatException>(() => Backbone.Load(path));
            Assert.Equal(path, error.FilePath);
            Assert.Equal("tensor 'features.3.weight'", error.Entry);
            Assert.Contains($"element 5 of {vgg["features.3.weight"].ElementCount} (index [0, 0, 1, 2]) is {shown}; 2 of its values in all are not finite", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Float64WeightsBeyondFloat32RangeAreRefused()
    {
        var huge = CheckpointTensor.FromBytes("w", CheckpointDType.F64, [2], System.Runtime.InteropServices.MemoryMarshal.AsBytes<double>([1.0, 1e300]));
        Assert.Equal([1f, float.PositiveInfinity], huge.ToFloat32(requireFinite: false));
        Assert.Contains("element 1 of 2 (index [1]) is beyond float32's range", Assert.Throws<CheckpointFormatException>(() => huge.ToFloat32(requireFinite: true)).Message);
    }

    [Fact]
    public void RandomFullSizeBackbonesHaveTorchvisionShapesAndStrides()
    {
        using var vgg16 = Backbone.CreateRandom("vgg16", 1);
        Assert.Equal(1472, vgg16.DefaultTaps.Sum(t => vgg16.AvailableTaps.Single(a => a.Name == t).Channels));
        using var resNet18 = Backbone.CreateRandom("resnet18", 1);
        Assert.Equal(1024, resNet18.DefaultTaps.Sum(t => resNet18.AvailableTaps.Single(a => a.Name == t).Channels));
        using var resNet50 = Backbone.CreateRandom("resnet50", 1);
        Assert.Equal(3904, resNet50.DefaultTaps.Sum(t => resNet50.AvailableTaps.Single(a => a.Name == t).Channels));
        Assert.Equal("resnet50", Checkpoint.DetectArchitecture(new StateDict(resNet50.Layout.FeatureParameters.Select(p => CheckpointTensor.FromFloat32(p.Key, p.Value.Shape, p.Value.Values)))));
        using var mobile = Backbone.CreateRandom("mobilenet_v2", 1);
        Assert.Equal(488, mobile.DefaultTaps.Sum(t => mobile.AvailableTaps.Single(a => a.Name == t).Channels));
        Assert.Equal(new[] { 2, 4, 8, 16, 32 }, mobile.DefaultTaps.Select(t => mobile.AvailableTaps.Single(a => a.Name == t).Stride));
        using var features = mobile.Forward(new float[3 * 64 * 48], 64, 48);
        Assert.Equal(new[] { 320, 2, 2 }, features["features.17"].Shape.ToArray());
    }

    [Theory]
    [InlineData("vgg16")]
    [InlineData("mobilenet_v2")]
    public void OneGraphWithASymbolicSizeRunsAtEverySize(string architecture)
    {
        using var backbone = Backbone.Load(Fixture($"mini-{architecture}.pth"));
        var small = SafetensorsFile.Read(Fixture($"mini-{architecture}-taps.safetensors"));
        var odd = SafetensorsFile.Read(Fixture($"mini-{architecture}-taps-97x131.safetensors"));
        var taps = odd.Tensors.Select(t => t.Name).Where(n => n.StartsWith("features.", StringComparison.Ordinal)).ToArray();

        var (model, outputs) = BackboneGraph.Standalone(backbone.Layout, taps);
        var input = global::Onnx.ModelProto.Parser.ParseFrom(model).Graph.Input.Single();
        Assert.Equal(BackboneGraph.ImageInput, input.Name);
        Assert.Equal(["N", "", "H", "W"], input.Type.TensorType.Shape.Dim.Select(d => d.DimParam));
        Assert.Equal(taps, outputs.Select(o => o.Tap.Name));

        AssertTapsMatch(backbone, small, taps);
        using (var large = backbone.Forward(new float[3 * 224 * 224], 224, 224, taps))
            foreach (var (tap, map) in large.Maps)
            {
                // PyTorch's sizes: VGG's 2×2 pools floor (224 / stride); MobileNetV2's stride-2 3×3 convolutions with padding 1 round up.
                int expected = architecture == "vgg16" ? 224 / tap.Stride : (224 + tap.Stride - 1) / tap.Stride;
                Assert.Equal(new[] { tap.Channels, expected, expected }, map.Shape.ToArray());
            }
        AssertTapsMatch(backbone, odd, taps);
        AssertTapsMatch(backbone, small, taps);
    }

    [Fact]
    public void DisposingABackboneReleasesItsSessions()
    {
        var backbone = Backbone.Load(Fixture("mini-vgg11.pth"));
        var image = new float[3 * 16 * 16];
        backbone.Forward(image, 16, 16).Dispose();
        backbone.Dispose();
        Assert.Throws<ObjectDisposedException>(() => backbone.Forward(image, 16, 16));
        Assert.Throws<ObjectDisposedException>(() => backbone.Forward(image, 16, 16, ["features.1"]));
        backbone.Dispose();
    }

    [Fact]
    public void CancellingAForwardThrowsOperationCanceled()
    {
        using var backbone = Backbone.CreateRandom("vgg16", 1);
        Assert.Throws<OperationCanceledException>(() => backbone.Forward(new float[3 * 16 * 16], 16, 16, cancellation: new CancellationToken(canceled: true)));

        // A full VGG16 at 500×375 takes far longer than 20 ms: ONNX Runtime is told to terminate while it runs. A thread
        // of its own cancels, not a timer: timers run on the thread pool, which other tests may keep busy past the run's end.
        backbone.Forward(new float[3 * 16 * 16], 16, 16).Dispose();
        using var cancellation = new CancellationTokenSource();
        var canceller = new Thread(() =>
        {
            Thread.Sleep(20);
            cancellation.Cancel();
        });
        canceller.Start();
        Assert.Throws<OperationCanceledException>(() => backbone.Forward(new float[3 * 375 * 500], 375, 500, cancellation: cancellation.Token));
        canceller.Join();
    }

    [Fact]
    public void ImagesTooSmallForTheTapsAreRefusedClearly()
    {
        using var backbone = Backbone.Load(Fixture("mini-vgg11.pth"));
        var error = Assert.Throws<TensorShapeException>(() => backbone.Forward(new float[3 * 8 * 8], 8, 8));
        Assert.Contains("8×8 image is too small for vgg11's tap features.19", error.Message);
    }
}
