using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Segmentation.ML.Imaging.Jpeg;

/// <summary>
/// YCbCr → RGB as JFIF defines it, in libjpeg's 16-bit fixed-point formulation
/// (R = Y + 1.402 Cr', G = Y − 0.34414 Cb' − 0.71414 Cr', B = Y + 1.772 Cb', with
/// Cb' = Cb − 128 and the same rounding), so the output matches <c>djpeg</c> exactly.
/// </summary>
internal static class JpegColorConverter
{
    private const int ScaleBits = 16, Half = 1 << (ScaleBits - 1);
    private static readonly int CrR = Fix(1.40200), CbB = Fix(1.77200), CrG = Fix(0.71414), CbG = Fix(0.34414);
    private static readonly int[] CrToR = new int[256], CbToB = new int[256], CrToG = new int[256], CbToG = new int[256];

    /// <summary>pshufb masks that scatter 16 R, 16 G and 16 B bytes into 48 interleaved RGB bytes: [channel * 3 + output block].</summary>
    private static readonly Vector128<byte>[] InterleaveMasks = BuildInterleaveMasks();

    static JpegColorConverter()
    {
        for (int i = 0; i < 256; i++)
        {
            int x = i - 128;
            CrToR[i] = (CrR * x + Half) >> ScaleBits;
            CbToB[i] = (CbB * x + Half) >> ScaleBits;
            CrToG[i] = -CrG * x;
            CbToG[i] = -CbG * x + Half;
        }
    }

    public static bool IsVectorized => Avx2.IsSupported && !Segmentation.ML.Tensors.TensorKernels.UseReference;

    public static void YCbCrToRgb(ReadOnlySpan<byte> y, ReadOnlySpan<byte> cb, ReadOnlySpan<byte> cr, Span<byte> rgb, int width)
    {
        int done = IsVectorized ? YCbCrToRgbAvx2(y[..width], cb[..width], cr[..width], rgb[..(3 * width)]) : 0;
        YCbCrToRgbScalar(y[done..width], cb[done..width], cr[done..width], rgb[(3 * done)..(3 * width)]);
    }

    /// <summary>The reference: libjpeg's table lookups, one pixel at a time.</summary>
    public static void YCbCrToRgbScalar(ReadOnlySpan<byte> y, ReadOnlySpan<byte> cb, ReadOnlySpan<byte> cr, Span<byte> rgb)
    {
        int[] crToR = CrToR, cbToB = CbToB, crToG = CrToG, cbToG = CbToG;
        rgb = rgb[..(3 * y.Length)];
        cb = cb[..y.Length];
        cr = cr[..y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            int luma = y[i], blue = cb[i], red = cr[i];
            rgb[3 * i] = Clamp(luma + crToR[red]);
            rgb[3 * i + 1] = Clamp(luma + ((cbToG[blue] + crToG[red]) >> ScaleBits));
            rgb[3 * i + 2] = Clamp(luma + cbToB[blue]);
        }
    }

    /// <summary>Converts whole blocks of 16 pixels with the table formulas in 32-bit lanes; returns how many pixels it did.</summary>
    public static int YCbCrToRgbAvx2(ReadOnlySpan<byte> y, ReadOnlySpan<byte> cb, ReadOnlySpan<byte> cr, Span<byte> rgb)
    {
        int n = Math.Min(y.Length, Math.Min(cb.Length, Math.Min(cr.Length, rgb.Length / 3))) & ~15;
        for (int i = 0; i < n; i += 16)
        {
            Vector128<byte> yv = Vector128.Create(y.Slice(i, 16)), cbv = Vector128.Create(cb.Slice(i, 16)), crv = Vector128.Create(cr.Slice(i, 16));
            Convert8(yv, cbv, crv, out Vector256<int> r0, out Vector256<int> g0, out Vector256<int> b0);
            Convert8(Sse2.ShiftRightLogical128BitLane(yv, 8), Sse2.ShiftRightLogical128BitLane(cbv, 8), Sse2.ShiftRightLogical128BitLane(crv, 8),
                out Vector256<int> r1, out Vector256<int> g1, out Vector256<int> b1);
            Vector128<byte> r = Pack(r0, r1), g = Pack(g0, g1), b = Pack(b0, b1);
            Vector128<byte>[] m = InterleaveMasks;
            Span<byte> o = rgb.Slice(3 * i, 48);
            (Ssse3.Shuffle(r, m[0]) | Ssse3.Shuffle(g, m[3]) | Ssse3.Shuffle(b, m[6])).CopyTo(o);
            (Ssse3.Shuffle(r, m[1]) | Ssse3.Shuffle(g, m[4]) | Ssse3.Shuffle(b, m[7])).CopyTo(o[16..]);
            (Ssse3.Shuffle(r, m[2]) | Ssse3.Shuffle(g, m[5]) | Ssse3.Shuffle(b, m[8])).CopyTo(o[32..]);
        }

        return n;
    }

    private static void Convert8(Vector128<byte> y, Vector128<byte> cb, Vector128<byte> cr, out Vector256<int> r, out Vector256<int> g, out Vector256<int> b)
    {
        Vector256<int> luma = Avx2.ConvertToVector256Int32(y);
        Vector256<int> blue = Avx2.ConvertToVector256Int32(cb) - Vector256.Create(128);
        Vector256<int> red = Avx2.ConvertToVector256Int32(cr) - Vector256.Create(128);
        Vector256<int> half = Vector256.Create(Half);
        r = luma + Vector256.ShiftRightArithmetic(red * CrR + half, ScaleBits);
        g = luma + Vector256.ShiftRightArithmetic(blue * -CbG + half + red * -CrG, ScaleBits);
        b = luma + Vector256.ShiftRightArithmetic(blue * CbB + half, ScaleBits);
    }

    /// <summary>Clamps 16 values to 0..255 and packs them into bytes in order.</summary>
    private static Vector128<byte> Pack(Vector256<int> low, Vector256<int> high)
    {
        Vector256<int> zero = Vector256<int>.Zero, max = Vector256.Create(255);
        Vector256<short> shorts = Vector256.Narrow(Vector256.Min(Vector256.Max(low, zero), max), Vector256.Min(Vector256.Max(high, zero), max));
        return Vector128.Narrow(shorts.GetLower(), shorts.GetUpper()).AsByte();
    }

    public static void Interleave(ReadOnlySpan<byte> r, ReadOnlySpan<byte> g, ReadOnlySpan<byte> b, Span<byte> rgb, int width)
    {
        for (int i = 0; i < width; i++)
        {
            rgb[3 * i] = r[i];
            rgb[3 * i + 1] = g[i];
            rgb[3 * i + 2] = b[i];
        }
    }

    public static void GrayToRgb(ReadOnlySpan<byte> gray, Span<byte> rgb, int width)
    {
        for (int i = 0; i < width; i++)
        {
            byte v = gray[i];
            rgb[3 * i] = v;
            rgb[3 * i + 1] = v;
            rgb[3 * i + 2] = v;
        }
    }

    private static int Fix(double x) => (int)(x * (1 << ScaleBits) + 0.5);

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);

    private static Vector128<byte>[] BuildInterleaveMasks()
    {
        var masks = new byte[9][];
        for (int k = 0; k < 9; k++)
        {
            masks[k] = Enumerable.Repeat((byte)0x80, 16).ToArray();
        }

        for (int j = 0; j < 48; j++)
        {
            int pixel = j / 3, channel = j % 3, block = j / 16;
            masks[channel * 3 + block][j % 16] = (byte)pixel;
        }

        return masks.Select(m => Vector128.Create(m)).ToArray();
    }
}
