using BenchmarkDotNet.Attributes;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tensors;

namespace Segmentation.Benchmarks;

/// <summary>Each backbone (random weights, torchvision's shapes) to its default taps on ONNX Runtime, as <c>segml bench</c> reports them.</summary>
public class BackboneBenchmarks
{
    private Backbone backbone = null!;
    private float[] image = [];
    private int height, width;

    [Params("vgg16", "vgg11", "mobilenet_v2", "resnet18")]
    public string Architecture { get; set; } = "";

    [Params("224x224", "500x375")]
    public string Size { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        backbone = Backbone.CreateRandom(Architecture, random);
        var parts = Size.Split('x').Select(int.Parse).ToArray();
        (width, height) = (parts[0], parts[1]);
        image = RandomValues.Uniform(random, 3 * height * width, 1f);
    }

    [GlobalCleanup]
    public void Cleanup() => backbone.Dispose();

    [Benchmark]
    public void Forward() => backbone.Forward(image, height, width).Dispose();
}
