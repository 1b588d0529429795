using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Segmentation.ML.Tensors.Reference;

namespace Segmentation.ML.Tensors;

/// <summary>
/// Resizing of planes with PyTorch's semantics: bilinear with <c>align_corners=False</c> (and its exact
/// adjoint for back-propagation), and nearest-neighbour for label maps.
/// </summary>
public static class Resize
{
    /// <summary>
    /// Bilinear resize of <paramref name="planes"/> planes, exactly as PyTorch's
    /// <c>F.interpolate(x, size=(outHeight, outWidth), mode="bilinear", align_corners=False)</c>:
    /// source coordinate (dst + 0.5)·in/out − 0.5, clamped at 0, edge pixels repeated.
    /// </summary>
    /// <exception cref="TensorShapeException">A size is not positive, a length differs from planes × height × width, or the spans overlap.</exception>
    public static void Bilinear(ReadOnlySpan<float> input, int planes, int inHeight, int inWidth, Span<float> output, int outHeight, int outWidth)
    {
        CheckPlanes(input, planes, inHeight, inWidth, nameof(input));
        CheckPlanes(output, planes, outHeight, outWidth, nameof(output));
        if (output.Overlaps(input)) throw new TensorShapeException("The resize output overlaps its input; use separate memory.", nameof(output));
        if (TensorKernels.UseReference)
        {
            ReferenceKernels.Bilinear(input, planes, inHeight, inWidth, output, outHeight, outWidth);
            return;
        }
        var xs = LinearTaps.Create(inWidth, outWidth);
        var ys = LinearTaps.Create(inHeight, outHeight);
        float[] upper = new float[outWidth], lower = new float[outWidth];
        for (int p = 0; p < planes; p++)
        {
            var plane = input.Slice(p * inHeight * inWidth, inHeight * inWidth);
            int upperRow = -1, lowerRow = -1;
            for (int oy = 0; oy < outHeight; oy++)
            {
                int y0 = ys.Index0[oy], y1 = ys.Index1[oy];
                if (upperRow != y0)
                {
                    if (lowerRow == y0)
                    {
                        (upper, lower) = (lower, upper);
                        (upperRow, lowerRow) = (lowerRow, -1);
                    }
                    else
                    {
                        xs.Interpolate(plane.Slice(y0 * inWidth, inWidth), upper);
                        upperRow = y0;
                    }
                }
                if (lowerRow != y1)
                {
                    xs.Interpolate(plane.Slice(y1 * inWidth, inWidth), lower);
                    lowerRow = y1;
                }
                var row = output.Slice((p * outHeight + oy) * outWidth, outWidth);
                TensorPrimitives.Multiply(upper, ys.Weight0[oy], row);
                TensorPrimitives.MultiplyAdd(lower, ys.Weight1[oy], row, row);
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Bilinear"/>: distributes each output gradient to the four input pixels
    /// with the forward weights, so that ⟨Bilinear(x), g⟩ = ⟨x, BilinearBackward(g)⟩.
    /// <paramref name="inputGradient"/> is overwritten.
    /// </summary>
    /// <exception cref="TensorShapeException">A size is not positive, a length is wrong, or the spans overlap.</exception>
    public static void BilinearBackward(ReadOnlySpan<float> outputGradient, int planes, int outHeight, int outWidth,
        Span<float> inputGradient, int inHeight, int inWidth)
    {
        CheckPlanes(outputGradient, planes, outHeight, outWidth, nameof(outputGradient));
        CheckPlanes(inputGradient, planes, inHeight, inWidth, nameof(inputGradient));
        if (inputGradient.Overlaps(outputGradient)) throw new TensorShapeException("The gradients overlap; use separate memory.", nameof(inputGradient));
        if (TensorKernels.UseReference)
        {
            ReferenceKernels.BilinearBackward(outputGradient, planes, outHeight, outWidth, inputGradient, inHeight, inWidth);
            return;
        }
        var xs = LinearTaps.Create(inWidth, outWidth);
        var ys = LinearTaps.Create(inHeight, outHeight);
        var columns = new float[inHeight * outWidth];
        inputGradient.Clear();
        for (int p = 0; p < planes; p++)
        {
            Array.Clear(columns);
            for (int oy = 0; oy < outHeight; oy++)
            {
                var g = outputGradient.Slice((p * outHeight + oy) * outWidth, outWidth);
                var top = columns.AsSpan(ys.Index0[oy] * outWidth, outWidth);
                TensorPrimitives.MultiplyAdd(g, ys.Weight0[oy], top, top);
                var bottom = columns.AsSpan(ys.Index1[oy] * outWidth, outWidth);
                TensorPrimitives.MultiplyAdd(g, ys.Weight1[oy], bottom, bottom);
            }
            for (int y = 0; y < inHeight; y++)
                xs.AddAdjoint(columns.AsSpan(y * outWidth, outWidth), inputGradient.Slice((p * inHeight + y) * inWidth, inWidth));
        }
    }

    /// <summary>
    /// Nearest-neighbour resize of a label map (one byte per pixel), as PyTorch's <c>mode="nearest"</c>:
    /// source index ⌊dst · in/out⌋. Labels are never blended.
    /// </summary>
    /// <exception cref="TensorShapeException">A size is not positive or a length differs from height × width.</exception>
    public static void Nearest(ReadOnlySpan<byte> input, int inHeight, int inWidth, Span<byte> output, int outHeight, int outWidth)
    {
        if (inHeight < 1 || inWidth < 1 || outHeight < 1 || outWidth < 1)
            throw new TensorShapeException($"Resize sizes must be positive; got {inHeight}×{inWidth} → {outHeight}×{outWidth}.");
        if (input.Length != inHeight * inWidth)
            throw new TensorShapeException($"The label map must have {inHeight * inWidth} pixels for {inHeight}×{inWidth}; it has {input.Length}.", nameof(input));
        if (output.Length != outHeight * outWidth)
            throw new TensorShapeException($"The output must have {outHeight * outWidth} pixels for {outHeight}×{outWidth}; it has {output.Length}.", nameof(output));
        Span<int> sourceX = outWidth <= 4096 ? stackalloc int[outWidth] : new int[outWidth];
        for (int x = 0; x < outWidth; x++) sourceX[x] = NearestIndex(x, inWidth, outWidth);
        for (int y = 0; y < outHeight; y++)
        {
            var src = input.Slice(NearestIndex(y, inHeight, outHeight) * inWidth, inWidth);
            var dst = output.Slice(y * outWidth, outWidth);
            for (int x = 0; x < outWidth; x++) dst[x] = src[sourceX[x]];
        }
    }

    internal static int NearestIndex(int destination, int inSize, int outSize)
    {
        float scale = (float)inSize / outSize;
        return Math.Min((int)MathF.Floor(destination * scale), inSize - 1);
    }

    private static void CheckPlanes(ReadOnlySpan<float> span, int planes, int height, int width, string name)
    {
        if (planes < 0 || height < 1 || width < 1)
            throw new TensorShapeException($"Resize needs planes ≥ 0 and positive sizes; {name} is {planes}×{height}×{width}.", name);
        if (span.Length != (long)planes * height * width)
            throw new TensorShapeException($"{name} must have {(long)planes * height * width} elements for {planes}×{height}×{width}; it has {span.Length}.", name);
    }
}

/// <summary>Per output index, the two source indices and weights of 1-D linear interpolation (align_corners=False).</summary>
internal sealed class LinearTaps
{
    public required int[] Index0 { get; init; }
    public required int[] Index1 { get; init; }
    public required float[] Weight0 { get; init; }
    public required float[] Weight1 { get; init; }

    public static LinearTaps Create(int inSize, int outSize)
    {
        var taps = new LinearTaps { Index0 = new int[outSize], Index1 = new int[outSize], Weight0 = new float[outSize], Weight1 = new float[outSize] };
        float scale = (float)inSize / outSize;
        for (int d = 0; d < outSize; d++)
        {
            var (i0, i1, w1) = Source(d, inSize, scale);
            taps.Index0[d] = i0;
            taps.Index1[d] = i1;
            taps.Weight1[d] = w1;
            taps.Weight0[d] = 1f - w1;
        }
        return taps;
    }

    /// <summary>destination[d] = w0[d]·source[i0[d]] + w1[d]·source[i1[d]]: one row resampled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Interpolate(ReadOnlySpan<float> source, Span<float> destination)
    {
        for (int d = 0; d < destination.Length; d++)
            destination[d] = Weight0[d] * source[Index0[d]] + Weight1[d] * source[Index1[d]];
    }

    /// <summary>The adjoint of <see cref="Interpolate"/>, added: source[i0[d]] += w0[d]·gradient[d], likewise i1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddAdjoint(ReadOnlySpan<float> gradient, Span<float> source)
    {
        for (int d = 0; d < gradient.Length; d++)
        {
            source[Index0[d]] += Weight0[d] * gradient[d];
            source[Index1[d]] += Weight1[d] * gradient[d];
        }
    }

    /// <summary>PyTorch's area_pixel_compute_source_index and its neighbour, in float as PyTorch computes them.</summary>
    public static (int I0, int I1, float W1) Source(int destination, int inSize, float scale)
    {
        float source = MathF.Max(scale * (destination + 0.5f) - 0.5f, 0f);
        int i0 = Math.Min((int)source, inSize - 1);
        int i1 = i0 < inSize - 1 ? i0 + 1 : i0;
        return (i0, i1, Math.Clamp(source - i0, 0f, 1f));
    }
}
