using Segmentation.ML.Tensors;
using BenchmarkDotNet.Attributes;
using Segmentation.ML.Diagnostics;
using Segmentation.ML.Models;
using Segmentation.ML.Tensors.Kernels;

namespace Segmentation.Benchmarks;

/// <summary>The VGG16 convolution stack (13 convolutions with ReLU, 4 max-pools, random weights).</summary>
public class ConvStackBenchmarks
{
    private Vgg vgg16 = null!;
    private PaddedPlanes input = null!;

    [Params("224x224", "500x375")]
    public string Size { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        vgg16 = Vgg.CreateRandom("vgg16", random);
        var parts = Size.Split('x').Select(int.Parse).ToArray();
        int width = parts[0], height = parts[1];
        input = PaddedPlanes.FromNchw(RandomValues.Uniform(random, 3 * height * width, 1f), 3, height, width);
    }

    [GlobalCleanup]
    public void Cleanup() => input.Dispose();

    [Benchmark]
    public void Vgg16Forward() => vgg16.Stack.Forward(input).Dispose();
}
