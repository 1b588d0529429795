using System.Xml.Linq;
using Google.Protobuf;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Transforms;
using Xunit.Abstractions;

namespace Segmentation.ML.Tests.Onnx;

/// <summary>
/// ML.NET's pretrained ResNet-18 (the NuGet package the library references) rebuilt as this library's graph, against
/// ONNX Runtime running the package's own two files on a real photo.
/// </summary>
public class MLNetResNet18Tests(ITestOutputHelper output)
{
    private static readonly Lazy<ResNet> Package = new(() => ResNet.LoadMLNetResNet18());

    private static string ModelsFolder => MLNetResNet18.FindFolder();

    /// <summary>A real photo brought to the package's 224×224 and laid out as ML.NET's ExtractPixels gives it: RGB planes of 0…255.</summary>
    private static (byte[] Rgb, float[] Planes) Photo(string name, int height, int width)
    {
        var image = ImageOps.ResizeBilinear(ImageDecoder.DecodeRgb(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Backbones", name)), height, width);
        var rgb = image.Pixels.ToArray();
        int pixels = height * width;
        var planes = new float[3 * pixels];
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < pixels; p++) planes[c * pixels + p] = rgb[3 * p + c];
        return (rgb, planes);
    }

    private static float[] RunPackageFile(string relativePath, string input, float[] values, string outputName)
    {
        using var session = new OrtTestSession(File.ReadAllBytes(Path.Combine(ModelsFolder, relativePath)));
        return session.Run([(input, values, [1, 3, 224, 224])], outputName)[0].Floats;
    }

    [Fact]
    public void ThePackagesPreprocessingIsReproducedExactlyInCSharpAndInTheGraph()
    {
        var (rgb, planes) = Photo("chelsea.png", 224, 224);
        var expected = RunPackageFile(MLNetResNet18.PreprocessFile, "OriginalInput", planes, "PreprocessedInput");

        var normalised = new float[planes.Length];
        Package.Value.Normalize(rgb, 224, 224, normalised);
        // One float subtraction of the same two float32 values per element, in both: bit for bit.
        Assert.Equal(expected, normalised);

        var normalization = Package.Value.Layout.Normalization;
        var graph = new OnnxGraphBuilder("normalise");
        string pixels = graph.AddInput("pixels", "N", 3, "H", "W");
        graph.AddOutput(OnnxInputNormalization.Append(graph, normalization, pixels), "image", global::Onnx.TensorProto.Types.DataType.Float, "N", 3, "H", "W");
        using var session = new OrtTestSession(graph.ToBytes());
        Assert.Equal(expected, session.Run([("pixels", planes, [1, 3, 224, 224])], "image")[0].Floats);

        // At another size the mean image is resized (bilinear, half-pixel) in both forms: equal within float32 rounding of
        // four products of magnitude ≤ 130 (≈ 4 · 130 · 2⁻²⁴ ≈ 3e-5).
        var (oddRgb, oddPlanes) = Photo("coffee.png", 97, 131);
        var csharp = new float[oddPlanes.Length];
        Package.Value.Normalize(oddRgb, 97, 131, csharp);
        var ort = session.Run([("pixels", oddPlanes, [1, 3, 97, 131])], "image")[0].Floats;
        double worst = csharp.Zip(ort, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"97×131: C# vs graph max abs difference {worst:G3}");
        Assert.True(worst <= 1e-4, $"C# and graph normalisation differ by {worst:G3} at 97×131.");
        // Blue first (the mean is subtracted from BGR planes); the mean image differs from place to place.
        var mean = Assert.IsType<MeanImageNormalization>(normalization);
        Assert.Equal(oddRgb[2] - mean.MeanAt(97, 131)[0], csharp[0]);
    }

    /// <remarks>
    /// Tolerance: the pooled features are averages of layer4's ReLU outputs. Our graph folds each BatchNorm into its
    /// convolution (in float64, then rounded to float32: a relative change of ≤ 2⁻²⁴ per weight) and ONNX Runtime then
    /// sums the convolutions in its own order (up to 4608 terms); through 22 convolutions, float32 rounding moves the
    /// features by ~1e-6 of their largest value (measured: ≤ 3.2e-7 on both photos), while a wrong layer, stride, padding
    /// or channel order moves them by O(1). 1e-5 of the largest feature leaves a factor of 30 for rounding and none for a mistake.
    /// </remarks>
    [Theory]
    [InlineData("chelsea.png")]
    [InlineData("coffee.png")]
    public void TheGraphMatchesThePackagesResNet18OnThePooledFeature(string photo)
    {
        var (rgb, planes) = Photo(photo, 224, 224);
        var preprocessed = RunPackageFile(MLNetResNet18.PreprocessFile, "OriginalInput", planes, "PreprocessedInput");
        var expected = RunPackageFile(MLNetResNet18.ModelFile, "Input247", preprocessed, "Pooling395_Output_0");
        Assert.Equal(512, expected.Length);

        var image = new float[planes.Length];
        Package.Value.Normalize(rgb, 224, 224, image);
        using var features = Package.Value.Forward(image, 224, 224, ["layer4"]);
        var map = features["layer4"];
        Assert.Equal(new[] { 512, 7, 7 }, map.Shape.ToArray());
        var pooled = Enumerable.Range(0, 512).Select(c => map.Span.Slice(c * 49, 49).ToArray().Average()).ToArray();

        double scale = expected.Max(Math.Abs);
        double worstAbsolute = 0, worstRelative = 0;
        for (int c = 0; c < 512; c++)
        {
            double difference = Math.Abs(pooled[c] - expected[c]);
            worstAbsolute = Math.Max(worstAbsolute, difference);
            if (Math.Abs(expected[c]) > 1e-3 * scale) worstRelative = Math.Max(worstRelative, difference / Math.Abs(expected[c]));
        }
        output.WriteLine($"{photo}: largest feature {scale:G4}, max abs error {worstAbsolute:G3} ({worstAbsolute / scale:G3} of the largest), max rel error {worstRelative:G3} (features above 1e-3 of the largest)");
        Assert.True(worstAbsolute <= 1e-5 * scale, $"max abs error {worstAbsolute:G3} over a largest feature of {scale:G3}");
    }

    [Fact]
    public void TapsAreTorchvisionsModuleNamesWithTheirChannelsAndStrides()
    {
        var backbone = Package.Value;
        Assert.Equal("resnet18", backbone.Architecture);
        Assert.Equal(["relu", "layer1", "layer2", "layer3", "layer4"], backbone.DefaultTaps);
        Assert.Equal(
            ["relu:64/2", "maxpool:64/4", "layer1.0:64/4", "layer1:64/4", "layer2.0:128/8", "layer2:128/8", "layer3.0:256/16", "layer3:256/16", "layer4.0:512/32", "layer4.1:512/32", "layer4:512/32"],
            backbone.AvailableTaps.Select(t => $"{t.Name}:{t.Channels}/{t.Stride}"));
        Assert.Equal("BGR 0…255 minus a 224×224 mean image", backbone.InputNormalization);

        // Any size: PyTorch's rounding (⌈H/2⌉ at every stride-2 layer) on a 97×131 image.
        using var features = backbone.Forward(new float[3 * 97 * 131], 97, 131);
        Assert.Equal(new[] { 512, 4, 5 }, features["layer4"].Shape.ToArray());
        Assert.Equal(new[] { 64, 49, 66 }, features["relu"].Shape.ToArray());
    }

    [Fact]
    public void MirroredHypercolumnsAreThoseOfTheFlippedImageThoughTheMeanImageIsNotSymmetric()
    {
        var image = ImageOps.ResizeBilinear(ImageDecoder.DecodeRgb(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Backbones", "chelsea.png")), 48, 64);
        var flipped = ImageOps.Crop(image, 0, 0, 48, 64, flip: true);
        using var both = Segmentation.ML.Hypercolumns.HypercolumnExtractingTransformer.Extract(Package.Value, ["relu", "layer2"], 4, image, mirror: true, CancellationToken.None);
        using var direct = Segmentation.ML.Hypercolumns.HypercolumnExtractingTransformer.Extract(Package.Value, ["relu", "layer2"], 4, flipped, mirror: false, CancellationToken.None);
        for (int t = 0; t < 2; t++)
            Assert.Equal(direct.Taps[t].Map.Span.ToArray(), both.Mirrored!.Taps[t].Map.Span.ToArray());

        // Flipping the normalised planes instead would subtract a mirrored mean image: not the same input.
        var mean = Assert.IsType<MeanImageNormalization>(Package.Value.Layout.Normalization).MeanAt(48, 64);
        Assert.NotEqual(mean.AsSpan(0, 64).ToArray(), mean.AsSpan(0, 64).ToArray().Reverse().ToArray());
    }

    [Fact]
    public void MissingFilesRaiseATypedErrorNamingThePackageToRestore()
    {
        string empty = Directory.CreateTempSubdirectory("segml-no-resnet-").FullName;
        try
        {
            var error = Assert.Throws<PretrainedModelNotFoundException>(() => ResNet.LoadMLNetResNet18(empty));
            Assert.Equal("Microsoft.ML.DnnImageFeaturizer.ResNet18", error.PackageId);
            Assert.Equal("0.23.1", error.PackageVersion);
            Assert.Equal([empty], error.SearchedFolders);
            Assert.Contains("Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1", error.Message);
            Assert.Contains("dotnet restore", error.Message);
            Assert.Contains(empty, error.Message);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void FilesAreFoundWhereMLNetFindsThemAndTheReferencedVersionIsTheOneRead()
    {
        // The package's build targets copy its files next to the application, where ML.NET's ResNet18 extension looks.
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "DnnImageModels"), MLNetResNet18.SearchFolders()[0]);
        Assert.Equal(MLNetResNet18.SearchFolders()[0], MLNetResNet18.FindFolder());
        Assert.EndsWith(Path.Combine("microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels"), MLNetResNet18.SearchFolders()[^1]);

        var project = XDocument.Load(Path.Combine(RepositoryFolder.Root, "Segmentation.ML", "Segmentation.ML.csproj"));
        var reference = project.Descendants("PackageReference").Single(r => (string?)r.Attribute("Include") == MLNetResNet18.PackageId);
        Assert.Equal(MLNetResNet18.PackageVersion, (string?)reference.Attribute("Version"));
    }

    [Fact]
    public void LayersAreFoundByTheGraphsTopologyNotByCntksNames()
    {
        var model = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(ModelsFolder, MLNetResNet18.ModelFile)));
        // Every value and node renamed (stable, meaningless names) and the nodes listed in reverse order.
        var names = new Dictionary<string, string>();
        string Rename(string name) => name.Length == 0 || name == model.Graph.Input[0].Name ? name : names.TryGetValue(name, out var n) ? n : names[name] = $"v{names.Count * 7919 % 100003}";
        foreach (var tensor in model.Graph.Initializer) tensor.Name = Rename(tensor.Name);
        foreach (var node in model.Graph.Node)
        {
            node.Name = Rename(node.Name + "/node");
            for (int i = 0; i < node.Input.Count; i++) node.Input[i] = Rename(node.Input[i]);
            for (int i = 0; i < node.Output.Count; i++) node.Output[i] = Rename(node.Output[i]);
        }
        foreach (var value in model.Graph.Output.Concat(model.Graph.ValueInfo).Concat(model.Graph.Input.Skip(1))) value.Name = Rename(value.Name);
        var reversed = model.Graph.Node.Reverse().ToList();
        model.Graph.Node.Clear();
        model.Graph.Node.AddRange(reversed);

        string folder = Directory.CreateTempSubdirectory("segml-renamed-resnet-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "ResNet18Onnx"));
            Directory.CreateDirectory(Path.Combine(folder, "ResNetPrepOnnx"));
            File.WriteAllBytes(Path.Combine(folder, MLNetResNet18.ModelFile), model.ToByteArray());
            File.Copy(Path.Combine(ModelsFolder, MLNetResNet18.PreprocessFile), Path.Combine(folder, MLNetResNet18.PreprocessFile));
            using var renamed = ResNet.LoadMLNetResNet18(folder);
            var image = Segmentation.ML.Tensors.RandomValues.Uniform(new Random(5), 3 * 64 * 48, 100f);
            using var expected = Package.Value.Forward(image, 64, 48, ["relu", "layer4"]);
            using var actual = renamed.Forward(image, 64, 48, ["relu", "layer4"]);
            Assert.Equal(expected["relu"].Span.ToArray(), actual["relu"].Span.ToArray());
            Assert.Equal(expected["layer4"].Span.ToArray(), actual["layer4"].Span.ToArray());

            // A graph that is not the structure is refused naming the file: the first block's shortcut taken away.
            var firstAdd = model.Graph.Node.Last(n => n.OpType == "Add");
            var stemPool = model.Graph.Node.Single(n => n.OpType == "MaxPool");
            Assert.Equal(stemPool.Output[0], firstAdd.Input[1]);
            firstAdd.Input[1] = firstAdd.Input[0];
            File.WriteAllBytes(Path.Combine(folder, MLNetResNet18.ModelFile), model.ToByteArray());
            var error = Assert.Throws<ModelFormatException>(() => ResNet.LoadMLNetResNet18(folder));
            Assert.Equal(Path.Combine(folder, MLNetResNet18.ModelFile), error.Path);
            Assert.Contains(Path.Combine(folder, MLNetResNet18.ModelFile), error.Message);
            output.WriteLine(error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
