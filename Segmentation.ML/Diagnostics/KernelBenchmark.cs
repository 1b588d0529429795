using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Imaging;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Diagnostics;

/// <summary>What one benchmark run measured; times are medians of repeated runs.</summary>
public sealed record BenchmarkReport
{
    /// <summary>Threads the GEMM and ONNX Runtime used.</summary>
    public required int Threads { get; init; }

    /// <summary>Vector width of the kernels: 512, 256 or 0.</summary>
    public required int VectorWidthBits { get; init; }

    /// <summary>Measured FMA peak over all threads, GFLOP/s (best of the probe's repeats).</summary>
    public required double PeakGflops { get; init; }

    /// <summary>Every measurement, in the order taken.</summary>
    public required IReadOnlyList<BenchmarkRow> Rows { get; init; }

    /// <summary>Image decoding on one thread: a 500×375 baseline JPEG with SkiaSharp and a 480×360 RGB PNG with the library's own decoder.</summary>
    public required IReadOnlyList<DecodeBenchmarkRow> DecodeRows { get; init; }

    /// <summary>The row with the given name, or null.</summary>
    public BenchmarkRow? Find(string name) => Rows.FirstOrDefault(r => r.Name == name);
}

/// <summary>One decode measurement on a single thread.</summary>
/// <param name="Name">Stable key, e.g. <c>jpeg_500x375</c>.</param>
/// <param name="Description">What was decoded.</param>
/// <param name="MillisecondsPerImage">Mean wall time of one decode.</param>
/// <param name="ImagesPerSecond">Decodes per second.</param>
/// <param name="EncodedMegabytesPerSecond">Compressed input consumed, MB/s.</param>
/// <param name="DecodedMegabytesPerSecond">RGB pixels produced, MB/s.</param>
public sealed record DecodeBenchmarkRow(string Name, string Description, double MillisecondsPerImage, double ImagesPerSecond, double EncodedMegabytesPerSecond, double DecodedMegabytesPerSecond);

/// <summary>One measurement: median time over <see cref="Repeats"/> runs and the effective rate.</summary>
/// <param name="Name">Stable key, e.g. <c>gemm_2048</c> or <c>vgg16_224</c>.</param>
/// <param name="Description">What was run, for people.</param>
/// <param name="MedianMilliseconds">Median wall time of one run.</param>
/// <param name="MinMilliseconds">Fastest run.</param>
/// <param name="Gflops">Effective GFLOP/s at the median (2 flops per multiply-add).</param>
/// <param name="PercentOfPeak">Gflops as a percentage of the measured peak.</param>
/// <param name="Repeats">Timed runs after warm-up.</param>
public sealed record BenchmarkRow(string Name, string Description, double MedianMilliseconds, double MinMilliseconds, double Gflops, double PercentOfPeak, int Repeats);

/// <summary>Options of <see cref="KernelBenchmark.Run"/>.</summary>
public sealed record BenchmarkOptions
{
    /// <summary>Fewer repeats, for a run under a minute.</summary>
    public bool Quick { get; init; }

    /// <summary>Seed of the random weights and inputs.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>
/// Measures this machine's FMA peak and the work against it: the head's SGEMM at 2048³ and at VGG16's
/// im2col shapes; on ONNX Runtime, the VGG16 convolution stack (13 convolutions with ReLU, 4 max-pools,
/// random weights, its last tap only) and every backbone's forward pass to its default taps (random
/// weights, torchvision's shapes; ResNet-18 with ML.NET's pretrained weights when its package is restored) and
/// end-to-end prediction at 480×360 with MobileNetV2 and with ResNet-18; and image decoding (JPEG with SkiaSharp, PNG with the library's decoder).
/// ONNX Runtime and the GEMM both use <see cref="TensorKernels.MaxDegreeOfParallelism"/> threads.
/// </summary>
public static class KernelBenchmark
{
    /// <summary>GEMM shapes (M×N×K) of VGG16's 3×3 convolutions as im2col at 224×224.</summary>
    public static readonly (int M, int N, int K)[] GemmShapes =
        [(2048, 2048, 2048), (64, 50176, 576), (256, 3136, 2304), (512, 784, 4608), (512, 196, 4608)];

    /// <summary>Runs every measurement, reporting each row as it completes.</summary>
    /// <exception cref="OperationCanceledException">Cancelled between measurements or runs.</exception>
    public static BenchmarkReport Run(BenchmarkOptions? options = null, IProgress<BenchmarkRow>? progress = null, CancellationToken cancellation = default)
    {
        options ??= new BenchmarkOptions();
        int repeats = options.Quick ? 3 : 9;
        double peak = MeasurePeakGflops(options.Quick ? 5 : 15);
        var rows = new List<BenchmarkRow>();
        void Add(BenchmarkRow row)
        {
            rows.Add(row);
            progress?.Report(row);
        }

        var random = new Random(options.Seed);
        foreach (var (m, n, k) in GemmShapes)
        {
            cancellation.ThrowIfCancellationRequested();
            var a = RandomValues.Uniform(random, m * k, 1f);
            var b = RandomValues.Uniform(random, k * n, 1f);
            var c = new float[m * n];
            string name = m == n && n == k ? $"gemm_{m}" : $"gemm_{m}x{n}x{k}";
            Add(Measure(name, $"SGEMM {m}×{n}×{k}", (long)m * n * k, peak, repeats, cancellation, () => Gemm.Multiply(m, n, k, a, b, c)));
        }

        using var vgg16 = Backbone.CreateRandom("vgg16", random);
        string lastTap = vgg16.DefaultTaps[^1];
        foreach (var (height, width, suffix) in new[] { (224, 224, "224"), (375, 500, "375x500") })
        {
            var image = RandomValues.Uniform(random, 3 * height * width, 1f);
            Add(Measure($"vgg16_{suffix}", $"VGG16 conv stack {width}×{height} (ONNX Runtime)", vgg16.MultiplyAdds(height, width), peak, repeats, cancellation,
                () => vgg16.Forward(image, height, width, [lastTap], cancellation).Dispose()));
        }

        using var vgg11 = Backbone.CreateRandom("vgg11", random);
        using var mobileNet = Backbone.CreateRandom("mobilenet_v2", random);
        using var resNet18 = ResNet18(random);
        foreach (var backbone in new[] { vgg16, vgg11, mobileNet, resNet18 })
        {
            var sizes = backbone == mobileNet || backbone == resNet18 ? [(224, 224), (375, 500), (360, 480)] : new[] { (224, 224), (375, 500) };
            foreach (var (height, width) in sizes)
            {
                var image = RandomValues.Uniform(random, 3 * height * width, 1f);
                string size = height == width ? $"{height}" : $"{height}x{width}";
                string name = backbone == mobileNet || backbone == resNet18 ? $"{backbone.Architecture}_{size}" : $"backbone_{backbone.Architecture}_{size}";
                Add(Measure(name, $"{backbone.Architecture} to default taps {width}×{height} (ONNX Runtime)", backbone.MultiplyAdds(height, width), peak, repeats, cancellation,
                    () => backbone.Forward(image, height, width, cancellation: cancellation).Dispose()));
            }
        }

        Add(MeasurePrediction("predict_480x360", mobileNet, random, peak, repeats, cancellation));
        Add(MeasurePrediction("predict_480x360_resnet18", resNet18, random, peak, repeats, cancellation));

        var decodeRows = new List<DecodeBenchmarkRow>();
        var duration = TimeSpan.FromSeconds(options.Quick ? 0.3 : 1);
        foreach (var (name, encoded, decoder) in new[] { ("jpeg_500x375", SampleJpeg(), "SkiaSharp"), ("png_480x360", DecodeThroughput.CreateSamplePng(), "own decoder") })
        {
            cancellation.ThrowIfCancellationRequested();
            var result = DecodeThroughput.Measure(encoded, duration, warmup: duration / 2);
            decodeRows.Add(new DecodeBenchmarkRow(name, $"{result.Format} decode {result.Width}×{result.Height} ({decoder}), 1 thread",
                result.MillisecondsPerImage, result.ImagesPerSecond, result.EncodedMegabytesPerSecond, result.DecodedMegabytesPerSecond));
        }

        return new BenchmarkReport
        {
            DecodeRows = decodeRows,
            Threads = TensorKernels.MaxDegreeOfParallelism,
            VectorWidthBits = TensorKernels.VectorWidthBits,
            PeakGflops = peak,
            Rows = rows,
        };
    }

    /// <summary>
    /// ML.NET's pretrained ResNet-18 (what <c>--backbone resnet18</c> trains on), or torchvision's shapes with random
    /// weights when its package is not restored: the same work within one block.
    /// </summary>
    private static Backbone ResNet18(Random random)
    {
        try
        {
            return ResNet.LoadMLNetResNet18();
        }
        catch (PretrainedModelNotFoundException)
        {
            return Backbone.CreateRandom("resnet18", random);
        }
    }

    /// <summary>
    /// End-to-end prediction of one 480×360 image as <c>segml predict</c> runs it: the whole segmenter graph
    /// (normalisation, the backbone (MobileNetV2 or ResNet-18) to its default taps, the default head Z → 1024 → 512 → 11 at output stride 4,
    /// resize and arg-max) in ONNX Runtime. Its multiply-adds count the head unfactorised, an upper bound.
    /// </summary>
    private static BenchmarkRow MeasurePrediction(string name, Backbone backbone, Random random, double peak, int repeats, CancellationToken cancellation)
    {
        const int height = 360, width = 480, stride = 4, classes = 11;
        var taps = backbone.DefaultTaps;
        int z = backbone.AvailableTaps.Where(t => taps.Contains(t.Name)).Sum(t => t.Channels);
        var head = new HypercolumnHead(z, HypercolumnTrainerOptions.Defaults.HiddenSizes, classes, random);
        var description = new SegmenterGraph.Description(new SegmentationClassSet("bench", Enumerable.Range(0, classes).Select(c => $"class {c}")), width, height, "bench");
        using var session = new OnnxSession(SegmenterGraph.ForHypercolumns(backbone, taps, stride, head, description), "the benchmark's segmenter graph");
        var pixels = RandomValues.Uniform(random, 3 * height * width, 255f);
        var labels = new uint[height * width];
        long cells = (long)((height + stride - 1) / stride) * ((width + stride - 1) / stride);
        long headMultiplyAdds = cells * (z * 1024L + 1024L * 512 + 512L * classes);
        using var input = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, height, width]);
        using var output = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(labels, [1, height, width]);
        return Measure(name, $"predict {width}×{height}: {backbone.Architecture} + head, stride {stride} (ONNX Runtime)", backbone.MultiplyAdds(height, width) + headMultiplyAdds,
            peak, repeats, cancellation, () => session.Run([SegmenterGraph.InputName], [input], [SegmenterGraph.OutputName], [output], cancellation));
    }

    private static BenchmarkRow Measure(string name, string description, long multiplyAdds, double peak, int repeats, CancellationToken cancellation, Action run)
    {
        for (int i = 0; i < 2; i++) run();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            run();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        double median = times[repeats / 2];
        double gflops = 2.0 * multiplyAdds / (median * 1e6);
        return new BenchmarkRow(name, description, median, times[0], gflops, 100 * gflops / peak, repeats);
    }

    /// <summary>
    /// Best-of-<paramref name="repeats"/> rate of independent FMA chains on every kernel thread, at the
    /// kernels' vector width: the ceiling any kernel here can reach.
    /// </summary>
    public static double MeasurePeakGflops(int repeats = 15)
    {
        int threads = TensorKernels.MaxDegreeOfParallelism;
        const long iterations = 4_000_000;
        double best = 0;
        for (int r = 0; r < repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            var flops = new double[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => flops[t] = FmaChains(iterations));
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, flops.Sum() / seconds / 1e9);
        }
        return best;
    }

    /// <summary>Independent FMA chains (twelve cover latency 4 × two pipes on current x86 cores): returns flops done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static double FmaChains(long iterations)
    {
        if (Simd.Current == SimdLevel.Vector512) return FmaChains512(iterations);
        if (Simd.Current == SimdLevel.Vector256) return FmaChains256(iterations);
        // The scalar kernels multiply and add separately, so the scalar ceiling is that of mul + add pairs.
        float x = 1f, y = 1f, z = 1f, w = 1f;
        for (long i = 0; i < iterations; i++)
        {
            x = x * 0.9999999f + 1e-7f;
            y = y * 0.9999999f + 1e-7f;
            z = z * 0.9999999f + 1e-7f;
            w = w * 0.9999999f + 1e-7f;
        }
        return x + y + z + w > 0 ? iterations * 4 * 2.0 : 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static double FmaChains512(long iterations)
    {
        var m = Vector512.Create(0.9999999f);
        var a = Vector512.Create(1e-7f);
        Vector512<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return sum.ToScalar() > 0 ? iterations * 12 * Vector512<float>.Count * 2.0 : 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static double FmaChains256(long iterations)
    {
        var m = Vector256.Create(0.9999999f);
        var a = Vector256.Create(1e-7f);
        Vector256<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return sum.ToScalar() > 0 ? iterations * 12 * Vector256<float>.Count * 2.0 : 0;
    }

    private static byte[] SampleJpeg()
    {
        using var stream = typeof(KernelBenchmark).Assembly.GetManifestResourceStream("Segmentation.ML.sample-500x375.jpg")
            ?? throw new InvalidOperationException("The benchmark's sample JPEG is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
