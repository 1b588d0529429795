using BenchmarkDotNet.Attributes;
using Segmentation.ML.Diagnostics;
using Segmentation.ML.Tensors;

namespace Segmentation.Benchmarks;

/// <summary>SGEMM at 2048³ and at VGG16's im2col shapes (M×N×K), as <c>segml bench</c> reports them.</summary>
public class GemmBenchmarks
{
    private float[] a = [], b = [], c = [];

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    public static IEnumerable<string> Shapes() => KernelBenchmark.GemmShapes.Select(s => $"{s.M}x{s.N}x{s.K}");

    private (int M, int N, int K) Dims => Shape.Split('x').Select(int.Parse).ToArray() is [var m, var n, var k] ? (m, n, k) : default;

    [GlobalSetup]
    public void Setup()
    {
        var (m, n, k) = Dims;
        var random = new Random(1);
        a = RandomValues.Uniform(random, m * k, 1f);
        b = RandomValues.Uniform(random, k * n, 1f);
        c = new float[m * n];
    }

    [Benchmark]
    public void Sgemm()
    {
        var (m, n, k) = Dims;
        Gemm.Multiply(m, n, k, a, b, c);
    }
}
