using System.Runtime.CompilerServices;
using System.Buffers;
using System.Runtime.Intrinsics;

namespace Segmentation.ML.Tensors.Kernels;

/// <summary>The fast convolution paths: shifted-view GEMM for 3×3 stride 1, direct GEMM for 1×1, im2col otherwise.</summary>
internal static unsafe class ConvolutionKernels
{
    /// <summary>3×3, stride 1, padding 1, padded layout in and out (same height and width).</summary>
    public static void Conv3x3(PaddedPlanes input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, FusedActivation activation, PaddedPlanes output)
    {
        using var packed = PackedMatrixA.Pack(weights, output.Channels, input.Channels * 9, Simd.Current);
        Conv3x3(input, packed, bias, activation, output);
    }

    /// <summary>3×3, stride 1, padding 1, with the filters packed beforehand (see <see cref="PackedMatrixA"/>).</summary>
    public static void Conv3x3(PaddedPlanes input, PackedMatrixA weights, ReadOnlySpan<float> bias, FusedActivation activation, PaddedPlanes output)
    {
        if (weights.Rows != output.Channels || weights.Depth != input.Channels * 9)
            throw new TensorShapeException($"Packed filters are {weights.Rows} × {weights.Depth}; a 3×3 convolution from {input.Channels} to {output.Channels} channels needs {output.Channels} × {input.Channels * 9}.");
        int columns = input.Height * input.RowStride;
        fixed (float* x = input.Buffer)
        fixed (float* y = output.Buffer)
        fixed (float* b = bias)
        {
            var operand = new ShiftedImageB(x, input.PlaneStride, input.RowStride, 3);
            GemmDriver.Run(weights, columns, 1f, operand, y + output.RowStride + 1, output.PlaneStride,
                accumulate: false, bias.IsEmpty ? null : b, activation);
        }
        output.ZeroBorders();
    }

    /// <summary>Any dense convolution of one image, NCHW in and out.</summary>
    public static void Conv2d(in Conv2dShape shape, ReadOnlySpan<float> image, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, FusedActivation activation, Span<float> output)
    {
        if (shape.KernelSize == 3 && shape.Stride == 1 && shape.Padding == 1)
        {
            using var padded = PaddedPlanes.FromNchw(image, shape.InChannels, shape.Height, shape.Width);
            using var result = new PaddedPlanes(shape.OutChannels, shape.Height, shape.Width);
            Conv3x3(padded, weights, bias, activation, result);
            result.CopyTo(output);
            return;
        }

        using var packed = PackedMatrixA.Pack(weights, shape.OutChannels, shape.InChannels * shape.KernelSize * shape.KernelSize, Simd.Current);
        Conv2d(shape, image, packed, bias, activation, output);
    }

    /// <summary>Any dense convolution of one image other than 3×3 stride 1, with the filters packed beforehand.</summary>
    public static void Conv2d(in Conv2dShape shape, ReadOnlySpan<float> image, PackedMatrixA weights, ReadOnlySpan<float> bias, FusedActivation activation, Span<float> output)
    {
        int k = shape.InChannels * shape.KernelSize * shape.KernelSize;
        int n = shape.OutHeight * shape.OutWidth;
        if (weights.Rows != shape.OutChannels || weights.Depth != k)
            throw new TensorShapeException($"Packed filters are {weights.Rows} × {weights.Depth}; {shape} needs {shape.OutChannels} × {k}.");
        float[]? columns = null;
        try
        {
            ReadOnlySpan<float> matrix = image;
            if (shape.KernelSize != 1 || shape.Stride != 1 || shape.Padding != 0)
            {
                columns = ArrayPool<float>.Shared.Rent(k * n);
                Im2Col(shape, image, columns);
                matrix = columns;
            }
            fixed (float* x = matrix)
            fixed (float* y = output)
            fixed (float* b = bias)
            {
                GemmDriver.Run(weights, n, 1f, new PackedMatrixB(x, n, false), y, n, accumulate: false, bias.IsEmpty ? null : b, activation);
            }
        }
        finally
        {
            if (columns is not null) ArrayPool<float>.Shared.Return(columns);
        }
    }

    /// <summary>Row (c, kh, kw), column (oh, ow) = input(c, oh·s − p + kh, ow·s − p + kw), zero outside.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Im2Col(in Conv2dShape s, ReadOnlySpan<float> image, Span<float> columns)
    {
        int oh = s.OutHeight, ow = s.OutWidth, ks = s.KernelSize;
        int row = 0;
        for (int c = 0; c < s.InChannels; c++)
        for (int kh = 0; kh < ks; kh++)
        for (int kw = 0; kw < ks; kw++, row++)
        {
            var dst = columns.Slice(row * oh * ow, oh * ow);
            for (int y = 0; y < oh; y++)
            {
                int iy = y * s.Stride - s.Padding + kh;
                var dstRow = dst.Slice(y * ow, ow);
                if ((uint)iy >= (uint)s.Height)
                {
                    dstRow.Clear();
                    continue;
                }
                var src = image.Slice((c * s.Height + iy) * s.Width, s.Width);
                for (int x = 0; x < ow; x++)
                {
                    int ix = x * s.Stride - s.Padding + kw;
                    dstRow[x] = (uint)ix < (uint)s.Width ? src[ix] : 0f;
                }
            }
        }
    }

    /// <summary>Depthwise k×k convolution of one image: each channel with its own filter.</summary>
    public static void Depthwise(in Conv2dShape shape, ReadOnlySpan<float> image, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, FusedActivation activation, Span<float> output)
    {
        var s = shape;
        int taps = s.KernelSize * s.KernelSize;
        int planeIn = s.Height * s.Width, planeOut = s.OutHeight * s.OutWidth;
        int paddedW = s.Width + 2 * s.Padding, paddedH = s.Height + 2 * s.Padding;
        fixed (float* xp = image)
        fixed (float* yp = output)
        fixed (float* wp = weights)
        fixed (float* bp = bias)
        {
            float* x = xp, y = yp, w = wp, b = bp;
            bool hasBias = !bias.IsEmpty;
            var level = Simd.Current;
            int threads = (long)s.InChannels * planeOut * taps < 1 << 16 ? 1 : TensorKernels.MaxDegreeOfParallelism;
            Parallel.For(0, s.InChannels, new ParallelOptions { MaxDegreeOfParallelism = threads },
                () => ArrayPool<float>.Shared.Rent(paddedW * paddedH + Vector512<float>.Count),
                (c, _, scratch) =>
                {
                    fixed (float* pad = scratch)
                    {
                        PadPlane(x + (long)c * planeIn, s.Height, s.Width, s.Padding, pad);
                        DepthwisePlane(s, level, pad, paddedW, w + c * taps, hasBias ? b[c] : 0f, activation, y + (long)c * planeOut);
                    }
                    return scratch;
                },
                scratch => ArrayPool<float>.Shared.Return(scratch));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PadPlane(float* src, int h, int w, int p, float* dst)
    {
        int pw = w + 2 * p;
        new Span<float>(dst, (h + 2 * p) * pw + Vector512<float>.Count).Clear();
        for (int y = 0; y < h; y++)
            new ReadOnlySpan<float>(src + (long)y * w, w).CopyTo(new Span<float>(dst + (long)(y + p) * pw + p, w));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DepthwisePlane(in Conv2dShape s, SimdLevel level, float* pad, int pw, float* filter, float bias, FusedActivation activation, float* dst)
    {
        int ks = s.KernelSize, ow = s.OutWidth;
        for (int oy = 0; oy < s.OutHeight; oy++)
        {
            float* outRow = dst + (long)oy * ow;
            int ox = 0;
            if (s.Stride == 1)
            {
                if (level == SimdLevel.Vector512)
                {
                    for (; ox + 16 <= ow; ox += 16)
                    {
                        var acc = Vector512.Create(bias);
                        for (int kh = 0; kh < ks; kh++)
                        {
                            float* inRow = pad + (long)(oy + kh) * pw + ox;
                            for (int kw = 0; kw < ks; kw++)
                                acc = Vector512.FusedMultiplyAdd(Vector512.Create(filter[kh * ks + kw]), Vector512.Load(inRow + kw), acc);
                        }
                        Activate(acc, activation).Store(outRow + ox);
                    }
                }
                else if (level == SimdLevel.Vector256)
                {
                    for (; ox + 8 <= ow; ox += 8)
                    {
                        var acc = Vector256.Create(bias);
                        for (int kh = 0; kh < ks; kh++)
                        {
                            float* inRow = pad + (long)(oy + kh) * pw + ox;
                            for (int kw = 0; kw < ks; kw++)
                                acc = Vector256.FusedMultiplyAdd(Vector256.Create(filter[kh * ks + kw]), Vector256.Load(inRow + kw), acc);
                        }
                        Activate(acc, activation).Store(outRow + ox);
                    }
                }
            }
            for (; ox < ow; ox++)
            {
                float acc = bias;
                for (int kh = 0; kh < ks; kh++)
                {
                    float* inRow = pad + (long)(oy * s.Stride + kh) * pw + ox * s.Stride;
                    for (int kw = 0; kw < ks; kw++) acc += filter[kh * ks + kw] * inRow[kw];
                }
                outRow[ox] = Activate(acc, activation);
            }
        }
    }

    private static float Activate(float v, FusedActivation activation) => activation switch
    {
        FusedActivation.Relu => MathF.Max(v, 0f),
        FusedActivation.Relu6 => MathF.Min(MathF.Max(v, 0f), 6f),
        _ => v,
    };

    private static Vector512<float> Activate(Vector512<float> v, FusedActivation activation) => activation switch
    {
        FusedActivation.Relu => Vector512.Max(v, Vector512<float>.Zero),
        FusedActivation.Relu6 => Vector512.Min(Vector512.Max(v, Vector512<float>.Zero), Vector512.Create(6f)),
        _ => v,
    };

    private static Vector256<float> Activate(Vector256<float> v, FusedActivation activation) => activation switch
    {
        FusedActivation.Relu => Vector256.Max(v, Vector256<float>.Zero),
        FusedActivation.Relu6 => Vector256.Min(Vector256.Max(v, Vector256<float>.Zero), Vector256.Create(6f)),
        _ => v,
    };
}
