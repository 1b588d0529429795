namespace Segmentation.ML.Imaging.Jpeg;

/// <summary>
/// YCbCr → RGB as JFIF defines it, in libjpeg's 16-bit fixed-point formulation
/// (R = Y + 1.402 Cr', G = Y − 0.34414 Cb' − 0.71414 Cr', B = Y + 1.772 Cb', with
/// Cb' = Cb − 128 and the same rounding), so the output matches <c>djpeg</c> exactly.
/// </summary>
internal static class JpegColorConverter
{
    private const int ScaleBits = 16, Half = 1 << (ScaleBits - 1);

    private static readonly int[] CrToR = new int[256], CbToB = new int[256], CrToG = new int[256], CbToG = new int[256];

    static JpegColorConverter()
    {
        static int Fix(double x) => (int)(x * (1 << ScaleBits) + 0.5);
        for (int i = 0; i < 256; i++)
        {
            int x = i - 128;
            CrToR[i] = (Fix(1.40200) * x + Half) >> ScaleBits;
            CbToB[i] = (Fix(1.77200) * x + Half) >> ScaleBits;
            CrToG[i] = -Fix(0.71414) * x;
            CbToG[i] = -Fix(0.34414) * x + Half;
        }
    }

    public static void YCbCrToRgb(ReadOnlySpan<byte> y, ReadOnlySpan<byte> cb, ReadOnlySpan<byte> cr, Span<byte> rgb, int width)
    {
        int[] crToR = CrToR, cbToB = CbToB, crToG = CrToG, cbToG = CbToG;
        y = y[..width];
        cb = cb[..width];
        cr = cr[..width];
        rgb = rgb[..(3 * width)];
        for (int i = 0; i < y.Length; i++)
        {
            int luma = y[i], blue = cb[i], red = cr[i];
            rgb[3 * i] = Clamp(luma + crToR[red]);
            rgb[3 * i + 1] = Clamp(luma + ((cbToG[blue] + crToG[red]) >> ScaleBits));
            rgb[3 * i + 2] = Clamp(luma + cbToB[blue]);
        }
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

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
