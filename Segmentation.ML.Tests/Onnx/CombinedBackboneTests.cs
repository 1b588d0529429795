using Segmentation.ML.Imaging;
using Segmentation.ML.Onnx;
using Segmentation.ML.Transforms;

namespace Segmentation.ML.Tests.Onnx;

/// <summary>Two backbones on the same image, their taps side by side in one graph, against each backbone run alone.</summary>
public class CombinedBackboneTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Backbones", name);

    [Fact]
    public void EachTapEqualsItsBackboneRunAloneOnItsOwnNormalisation()
    {
        using var mobileNet = Backbone.Load(Fixture("mini-mobilenet_v2.pth"));
        using var resNet = ResNet.LoadMLNetResNet18();
        using var combined = CombinedBackbone.Of(mobileNet, resNet);
        Assert.Equal("mobilenet_v2+resnet18", combined.Architecture);
        Assert.Equal(["mobilenet_v2", "resnet18"], combined.Parts);
        Assert.Equal(mobileNet.DefaultTaps.Select(t => $"mobilenet_v2:{t}").Concat(resNet.DefaultTaps.Select(t => $"resnet18:{t}")), combined.DefaultTaps);
        Assert.Equal(mobileNet.AvailableTaps.Count + resNet.AvailableTaps.Count, combined.AvailableTaps.Count);
        Assert.Equal(resNet.AvailableTaps.Single(t => t.Name == "layer2") with { Name = "resnet18:layer2" }, combined.AvailableTaps.Single(t => t.Name == "resnet18:layer2"));
        Assert.Equal(mobileNet.MultiplyAdds(97, 131) + resNet.MultiplyAdds(97, 131), combined.MultiplyAdds(97, 131));

        // A real photo at an odd size: each network sees its own normalisation of the same pixels.
        var image = ImageOps.ResizeBilinear(ImageDecoder.DecodeRgb(Fixture("coffee.png")), 97, 131);
        var planes = new float[3 * 97 * 131];
        combined.Normalize(image.Pixels, 97, 131, planes);
        Assert.Equal(image.Pixels[3 * 5 + 1], planes[97 * 131 + 5]);
        string[] taps = ["resnet18:layer4", "mobilenet_v2:features.3", "resnet18:relu"];
        using var together = combined.Forward(planes, 97, 131, taps);
        Assert.Equal(["mobilenet_v2:features.3", "resnet18:relu", "resnet18:layer4"], together.Maps.Select(m => m.Tap.Name));

        foreach (var (backbone, name) in new[] { (mobileNet, "features.3"), (resNet, "relu"), (resNet, "layer4") })
        {
            var input = new float[planes.Length];
            backbone.Normalize(image.Pixels, 97, 131, input);
            using var alone = backbone.Forward(input, 97, 131, [name]);
            var expected = alone[name];
            var actual = together[$"{backbone.Architecture}:{name}"];
            Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
            // The normalisations agree within float rounding (the mean image is resized in the graph, in C# alone):
            // the features within 1e-4 of their largest value, while a tap of the wrong network or size is off by O(1).
            double scale = expected.Span.ToArray().Max(Math.Abs), worst = 0;
            for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected.Span[i] - actual.Span[i]));
            Assert.True(worst <= 1e-4 * scale, $"{backbone.Architecture}:{name}: max error {worst:G3} over a largest value of {scale:G3}");
        }
    }

    [Fact]
    public void OnlyTwoOrMoreSingleBackbonesOfDifferentArchitecturesCombine()
    {
        using var mobileNet = Backbone.Load(Fixture("mini-mobilenet_v2.pth"));
        using var other = Backbone.Load(Fixture("mini-mobilenet_v2.pth"));
        using var vgg = Backbone.Load(Fixture("mini-vgg11.pth"));
        Assert.Contains("at least two", Assert.Throws<ArgumentException>(() => CombinedBackbone.Of(mobileNet)).Message);
        Assert.Contains("mobilenet_v2 + mobilenet_v2", Assert.Throws<ArgumentException>(() => CombinedBackbone.Of(mobileNet, other)).Message);
        using var combined = CombinedBackbone.Of(vgg, mobileNet);
        Assert.Contains("combined already", Assert.Throws<ArgumentException>(() => CombinedBackbone.Of(combined, other)).Message);
        var unknown = Assert.Throws<ArgumentException>(() => combined.Forward(new float[3 * 32 * 32], 32, 32, ["features.1"]));
        Assert.Contains("vgg11:features.1", unknown.Message);
    }
}
