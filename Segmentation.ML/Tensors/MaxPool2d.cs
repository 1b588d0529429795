using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Segmentation.ML.Tensors.Kernels;
using Segmentation.ML.Tensors.Reference;

namespace Segmentation.ML.Tensors;

/// <summary>2×2 max pooling with stride 2 over NCHW planes, PyTorch's floor mode: an odd last row or column is dropped.</summary>
public static class MaxPool2d
{
    /// <summary>Pools <paramref name="planes"/> planes of height × width into ⌊height/2⌋ × ⌊width/2⌋.</summary>
    /// <param name="input">planes × height × width values.</param>
    /// <param name="planes">Number of planes (N·C).</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="output">planes × ⌊height/2⌋ × ⌊width/2⌋ values; must not overlap the input.</param>
    /// <exception cref="TensorShapeException">A length differs from what the sizes need, or the spans overlap.</exception>
    public static void Forward2x2(ReadOnlySpan<float> input, int planes, int height, int width, Span<float> output)
    {
        if (planes < 0 || height < 0 || width < 0)
            throw new TensorShapeException($"Pooling sizes must be non-negative; got planes={planes}, height={height}, width={width}.");
        int oh = height / 2, ow = width / 2;
        if (input.Length != (long)planes * height * width)
            throw new TensorShapeException($"Pooling input must have {(long)planes * height * width} elements for {planes}×{height}×{width}; it has {input.Length}.", nameof(input));
        if (output.Length != (long)planes * oh * ow)
            throw new TensorShapeException($"Pooling output must have {(long)planes * oh * ow} elements for {planes}×{oh}×{ow}; it has {output.Length}.", nameof(output));
        if (output.Overlaps(input))
            throw new TensorShapeException("The pooling output overlaps its input; use separate memory.", nameof(output));

        if (TensorKernels.UseReference)
        {
            ReferenceKernels.MaxPool2x2(input, planes, height, width, output);
            return;
        }
        var level = Simd.Current;
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < oh; y++)
            {
                var top = input.Slice((p * height + 2 * y) * width, width);
                PoolRows(level, top, input.Slice((p * height + 2 * y + 1) * width, width), output.Slice((p * oh + y) * ow, ow));
            }
    }

    /// <summary>Pools padded planes into padded planes of half the size.</summary>
    internal static void Forward2x2(PaddedPlanes input, PaddedPlanes output)
    {
        int ow = output.Width;
        int threads = Math.Min(TensorKernels.MaxDegreeOfParallelism, input.Channels);
        var level = Simd.Current;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var source = input.Buffer.AsSpan();
            var target = output.Buffer.AsSpan();
            for (int c = input.Channels * t / threads; c < input.Channels * (t + 1) / threads; c++)
                for (int y = 0; y < output.Height; y++)
                    PoolRows(level, source.Slice(input.IndexOf(c, 2 * y, 0), input.Width), source.Slice(input.IndexOf(c, 2 * y + 1, 0), input.Width),
                        target.Slice(output.IndexOf(c, y, 0), ow));
        });
        output.ZeroBorders();
    }

    private static readonly Vector512<int> EvenLanes = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> OddLanes = EvenLanes + Vector512<int>.One;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PoolRows(SimdLevel level, ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, Span<float> destination)
    {
        int x = 0;
        fixed (float* t = top)
        fixed (float* b = bottom)
        fixed (float* d = destination)
        {
            if (level == SimdLevel.Vector512 && Avx512F.IsSupported)
            {
                for (; x + 16 <= destination.Length; x += 16)
                {
                    var low = Vector512.Max(Vector512.Load(t + 2 * x), Vector512.Load(b + 2 * x));
                    var high = Vector512.Max(Vector512.Load(t + 2 * x + 16), Vector512.Load(b + 2 * x + 16));
                    var even = Avx512F.PermuteVar16x32x2(low, EvenLanes, high);
                    var odd = Avx512F.PermuteVar16x32x2(low, OddLanes, high);
                    Vector512.Max(even, odd).Store(d + x);
                }
            }
            for (; x < destination.Length; x++)
                d[x] = Max(Max(t[2 * x], t[2 * x + 1]), Max(b[2 * x], b[2 * x + 1]));
        }
    }

    /// <summary>The larger value, NaN if either is NaN (as PyTorch's max pooling).</summary>
    private static float Max(float a, float b) => a >= b || float.IsNaN(a) ? a : b;
}
