using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Segmentation.ML.Imaging.Jpeg;

/// <summary>
/// Brings a subsampled component to full resolution one output row at a time, the way
/// libjpeg-turbo's default ("fancy") upsampling does: a triangular filter (3/4 nearest,
/// 1/4 next nearest) for 2:1 horizontal, 2:1 vertical and 2:1 in both directions, with
/// libjpeg's rounding biases and edge replication; plain replication for other integer
/// ratios and for components only one or two samples wide. The interior of each row runs in
/// 128-bit vectors when the CPU allows (<see cref="IsVectorized"/>); edges and the reference
/// path use the scalar formulas, and both give identical output.
/// </summary>
internal sealed class JpegUpsampler
{
    private readonly bool _vectorized;

    private enum Mode
    {
        FullSize,
        H2V1Fancy,
        H1V2Fancy,
        H2V2Fancy,
        Replicate,
    }

    private readonly Mode _mode;
    private readonly int _hFactor, _vFactor;
    private readonly int _width, _height;
    private readonly short[] _columnSums;

    /// <summary>Chooses the method libjpeg-turbo would use for these ratios and this width.</summary>
    /// <param name="hFactor">Max horizontal sampling factor divided by the component's.</param>
    /// <param name="vFactor">Max vertical sampling factor divided by the component's.</param>
    /// <param name="width">Component width in samples (the real, not block-padded, width).</param>
    /// <param name="height">Component height in samples (the real height).</param>
    /// <param name="vectorized">Use the vector kernels (default: when <see cref="IsVectorized"/>); false selects the scalar reference.</param>
    public JpegUpsampler(int hFactor, int vFactor, int width, int height, bool? vectorized = null)
    {
        _vectorized = vectorized ?? IsVectorized;
        _hFactor = hFactor;
        _vFactor = vFactor;
        _width = width;
        _height = height;
        _mode = (hFactor, vFactor) switch
        {
            (1, 1) => Mode.FullSize,
            (2, 1) when width > 2 => Mode.H2V1Fancy,
            (1, 2) => Mode.H1V2Fancy,
            (2, 2) when width > 2 => Mode.H2V2Fancy,
            _ => Mode.Replicate,
        };
        _columnSums = _mode == Mode.H2V2Fancy ? new short[width] : [];
    }

    /// <summary>Whether the vector kernels are used by default (SSSE3 present and the reference not forced).</summary>
    public static bool IsVectorized => Ssse3.IsSupported && !Segmentation.ML.Tensors.TensorKernels.UseReference;

    /// <summary>
    /// Produces output row <paramref name="y"/>: either a slice of <paramref name="plane"/> (full size)
    /// or the upsampled samples written to <paramref name="scratch"/> (at least width × hFactor long).
    /// </summary>
    public ReadOnlySpan<byte> GetRow(ReadOnlySpan<byte> plane, int stride, int y, Span<byte> scratch)
    {
        switch (_mode)
        {
            case Mode.FullSize:
                return plane.Slice(y * stride, _width);
            case Mode.H2V1Fancy:
                H2V1(plane.Slice(y * stride, _width), scratch);
                return scratch;
            case Mode.H1V2Fancy:
            {
                int near = y >> 1;
                bool upper = (y & 1) == 0;
                int far = Math.Clamp(upper ? near - 1 : near + 1, 0, _height - 1);
                H1V2(plane.Slice(near * stride, _width), plane.Slice(far * stride, _width), upper ? 1 : 2, scratch);
                return scratch;
            }

            case Mode.H2V2Fancy:
            {
                int near = y >> 1;
                int far = Math.Clamp((y & 1) == 0 ? near - 1 : near + 1, 0, _height - 1);
                H2V2(plane.Slice(near * stride, _width), plane.Slice(far * stride, _width), scratch);
                return scratch;
            }

            default:
                ReadOnlySpan<byte> source = plane.Slice(Math.Min(y / _vFactor, _height - 1) * stride, _width);
                int outWidth = _width * _hFactor;
                for (int x = 0; x < outWidth; x++)
                {
                    scratch[x] = source[x / _hFactor];
                }

                return scratch;
        }
    }

    private void H2V1(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int n = _width;
        output[0] = input[0];
        output[1] = (byte)((input[0] * 3 + input[1] + 2) >> 2);
        int i = 1;
        if (_vectorized)
        {
            for (; i + 9 <= n; i += 8)
            {
                Vector128<short> previous = Load8(input, i - 1), current = Load8(input, i), next = Load8(input, i + 1);
                Vector128<short> triple = current * 3;
                Vector128<short> even = Vector128.ShiftRightArithmetic(triple + previous + Vector128.Create((short)1), 2);
                Vector128<short> odd = Vector128.ShiftRightArithmetic(triple + next + Vector128.Create((short)2), 2);
                StoreInterleaved(even, odd, output.Slice(2 * i, 16));
            }
        }

        for (; i < n - 1; i++)
        {
            int v = input[i] * 3;
            output[2 * i] = (byte)((v + input[i - 1] + 1) >> 2);
            output[2 * i + 1] = (byte)((v + input[i + 1] + 2) >> 2);
        }

        output[2 * n - 2] = (byte)((input[n - 1] * 3 + input[n - 2] + 1) >> 2);
        output[2 * n - 1] = input[n - 1];
    }

    private void H1V2(ReadOnlySpan<byte> near, ReadOnlySpan<byte> far, int bias, Span<byte> output)
    {
        int i = 0;
        if (_vectorized)
        {
            Vector128<short> b = Vector128.Create((short)bias);
            for (; i + 8 <= _width; i += 8)
            {
                Vector128<short> v = Vector128.ShiftRightArithmetic(Load8(near, i) * 3 + Load8(far, i) + b, 2);
                MemoryMarshal.Write(output.Slice(i, 8), Vector128.Narrow(v, v).AsUInt64().ToScalar());
            }
        }

        for (; i < _width; i++)
        {
            output[i] = (byte)((near[i] * 3 + far[i] + bias) >> 2);
        }
    }

    private void H2V2(ReadOnlySpan<byte> near, ReadOnlySpan<byte> far, Span<byte> output)
    {
        int n = _width;
        Span<short> sums = _columnSums;
        int i = 0;
        if (_vectorized)
        {
            for (; i + 8 <= n; i += 8)
            {
                (Load8(near, i) * 3 + Load8(far, i)).CopyTo(sums.Slice(i, 8));
            }
        }

        for (; i < n; i++)
        {
            sums[i] = (short)(near[i] * 3 + far[i]);
        }

        output[0] = (byte)((sums[0] * 4 + 8) >> 4);
        output[1] = (byte)((sums[0] * 3 + sums[1] + 7) >> 4);
        i = 1;
        if (_vectorized)
        {
            for (; i + 9 <= n; i += 8)
            {
                Vector128<short> previous = Vector128.Create(sums.Slice(i - 1, 8)), current = Vector128.Create(sums.Slice(i, 8));
                Vector128<short> next = Vector128.Create(sums.Slice(i + 1, 8));
                Vector128<short> triple = current * 3;
                Vector128<short> even = Vector128.ShiftRightArithmetic(triple + previous + Vector128.Create((short)8), 4);
                Vector128<short> odd = Vector128.ShiftRightArithmetic(triple + next + Vector128.Create((short)7), 4);
                StoreInterleaved(even, odd, output.Slice(2 * i, 16));
            }
        }

        for (; i < n - 1; i++)
        {
            int v = sums[i] * 3;
            output[2 * i] = (byte)((v + sums[i - 1] + 8) >> 4);
            output[2 * i + 1] = (byte)((v + sums[i + 1] + 7) >> 4);
        }

        output[2 * n - 2] = (byte)((sums[n - 1] * 3 + sums[n - 2] + 8) >> 4);
        output[2 * n - 1] = (byte)((sums[n - 1] * 4 + 7) >> 4);
    }

    /// <summary>Eight bytes widened to 16-bit lanes.</summary>
    private static Vector128<short> Load8(ReadOnlySpan<byte> source, int at) =>
        Vector128.WidenLower(Vector128.CreateScalar(MemoryMarshal.Read<ulong>(source.Slice(at, 8))).AsByte()).AsInt16();

    /// <summary>Writes e0 o0 e1 o1 … e7 o7 as bytes.</summary>
    private static void StoreInterleaved(Vector128<short> even, Vector128<short> odd, Span<byte> destination) =>
        Vector128.Narrow(Sse2.UnpackLow(even, odd), Sse2.UnpackHigh(even, odd)).AsByte().CopyTo(destination);
}
