namespace Segmentation.ML.Imaging.Jpeg;

/// <summary>
/// The 8×8 inverse DCT with dequantization, in the accurate integer ("islow") formulation of
/// the IJG/libjpeg-turbo decoder: the Loeffler–Ligtenberg–Moschytz factorisation with 13-bit
/// fixed-point constants, 2 extra bits between passes, and the same rounding and range
/// limiting, so results match <c>djpeg</c>'s default output bit for bit.
/// </summary>
internal static class JpegIdct
{
    private const int ConstBits = 13, Pass1Bits = 2;
    private const int Fix0298631336 = 2446, Fix0390180644 = 3196, Fix0541196100 = 4433, Fix0765366865 = 6270;
    private const int Fix0899976223 = 7373, Fix1175875602 = 9633, Fix1501321110 = 12299, Fix1847759065 = 15137;
    private const int Fix1961570560 = 16069, Fix2053119869 = 16819, Fix2562915447 = 20995, Fix3072711026 = 25172;

    /// <summary>
    /// Maps a descaled IDCT output x (taken modulo 1024) to a sample: x + 128 for -128..127,
    /// 255 above, 0 below; values far out of range wrap like libjpeg's table.
    /// </summary>
    private static readonly byte[] RangeLimit = BuildRangeLimit();

    /// <summary>Dequantizes and transforms one block, writing 8 rows of 8 samples at <paramref name="offset"/> with <paramref name="stride"/>.</summary>
    /// <param name="coefficients">64 coefficients in natural (row-major) order.</param>
    /// <param name="quant">64 quantization steps in natural order.</param>
    /// <param name="output">The component plane.</param>
    /// <param name="offset">Index of the block's top-left sample in <paramref name="output"/>.</param>
    /// <param name="stride">Distance between rows of <paramref name="output"/>.</param>
    public static void Transform(ReadOnlySpan<short> coefficients, ReadOnlySpan<int> quant, Span<byte> output, int offset, int stride)
    {
        Span<int> ws = stackalloc int[64];
        ReadOnlySpan<short> c = coefficients[..64];
        ReadOnlySpan<int> q = quant[..64];
        ReadOnlySpan<byte> limit = RangeLimit;

        for (int col = 0; col < 8; col++)
        {
            if (c[8 + col] == 0 && c[16 + col] == 0 && c[24 + col] == 0 && c[32 + col] == 0 &&
                c[40 + col] == 0 && c[48 + col] == 0 && c[56 + col] == 0)
            {
                int dc = c[col] * q[col] << Pass1Bits;
                for (int row = 0; row < 64; row += 8)
                {
                    ws[row + col] = dc;
                }

                continue;
            }

            int z2 = c[16 + col] * q[16 + col], z3 = c[48 + col] * q[48 + col];
            int z1 = (z2 + z3) * Fix0541196100;
            int tmp2 = z1 - z3 * Fix1847759065;
            int tmp3 = z1 + z2 * Fix0765366865;
            z2 = c[col] * q[col];
            z3 = c[32 + col] * q[32 + col];
            int tmp0 = (z2 + z3) << ConstBits;
            int tmp1 = (z2 - z3) << ConstBits;
            int tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;

            tmp0 = c[56 + col] * q[56 + col];
            tmp1 = c[40 + col] * q[40 + col];
            tmp2 = c[24 + col] * q[24 + col];
            tmp3 = c[8 + col] * q[8 + col];
            OddPart(ref tmp0, ref tmp1, ref tmp2, ref tmp3);

            const int round = 1 << (ConstBits - Pass1Bits - 1), shift = ConstBits - Pass1Bits;
            ws[col] = (tmp10 + tmp3 + round) >> shift;
            ws[56 + col] = (tmp10 - tmp3 + round) >> shift;
            ws[8 + col] = (tmp11 + tmp2 + round) >> shift;
            ws[48 + col] = (tmp11 - tmp2 + round) >> shift;
            ws[16 + col] = (tmp12 + tmp1 + round) >> shift;
            ws[40 + col] = (tmp12 - tmp1 + round) >> shift;
            ws[24 + col] = (tmp13 + tmp0 + round) >> shift;
            ws[32 + col] = (tmp13 - tmp0 + round) >> shift;
        }

        for (int row = 0; row < 64; row += 8)
        {
            Span<byte> o = output.Slice(offset, 8);
            offset += stride;
            ReadOnlySpan<int> w = ws.Slice(row, 8);
            if (w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0)
            {
                byte v = limit[((w[0] + (1 << (Pass1Bits + 2))) >> (Pass1Bits + 3)) & 1023];
                o.Fill(v);
                continue;
            }

            int z2 = w[2], z3 = w[6];
            int z1 = (z2 + z3) * Fix0541196100;
            int tmp2 = z1 - z3 * Fix1847759065;
            int tmp3 = z1 + z2 * Fix0765366865;
            int tmp0 = (w[0] + w[4]) << ConstBits;
            int tmp1 = (w[0] - w[4]) << ConstBits;
            int tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;

            tmp0 = w[7];
            tmp1 = w[5];
            tmp2 = w[3];
            tmp3 = w[1];
            OddPart(ref tmp0, ref tmp1, ref tmp2, ref tmp3);

            const int round = 1 << (ConstBits + Pass1Bits + 2), shift = ConstBits + Pass1Bits + 3;
            o[0] = limit[((tmp10 + tmp3 + round) >> shift) & 1023];
            o[7] = limit[((tmp10 - tmp3 + round) >> shift) & 1023];
            o[1] = limit[((tmp11 + tmp2 + round) >> shift) & 1023];
            o[6] = limit[((tmp11 - tmp2 + round) >> shift) & 1023];
            o[2] = limit[((tmp12 + tmp1 + round) >> shift) & 1023];
            o[5] = limit[((tmp12 - tmp1 + round) >> shift) & 1023];
            o[3] = limit[((tmp13 + tmp0 + round) >> shift) & 1023];
            o[4] = limit[((tmp13 - tmp0 + round) >> shift) & 1023];
        }
    }

    /// <summary>The odd half of the 1-D transform; inputs are the coefficients 7, 5, 3, 1, outputs the terms added to / subtracted from the even half.</summary>
    private static void OddPart(ref int tmp0, ref int tmp1, ref int tmp2, ref int tmp3)
    {
        int z1 = tmp0 + tmp3, z2 = tmp1 + tmp2, z3 = tmp0 + tmp2, z4 = tmp1 + tmp3;
        int z5 = (z3 + z4) * Fix1175875602;
        tmp0 *= Fix0298631336;
        tmp1 *= Fix2053119869;
        tmp2 *= Fix3072711026;
        tmp3 *= Fix1501321110;
        z1 *= -Fix0899976223;
        z2 *= -Fix2562915447;
        z3 = z3 * -Fix1961570560 + z5;
        z4 = z4 * -Fix0390180644 + z5;
        tmp0 += z1 + z3;
        tmp1 += z2 + z4;
        tmp2 += z2 + z3;
        tmp3 += z1 + z4;
    }

    private static byte[] BuildRangeLimit()
    {
        var table = new byte[1024];
        for (int i = 0; i < 1024; i++)
        {
            table[i] = i switch
            {
                < 128 => (byte)(i + 128),
                < 512 => 255,
                < 896 => 0,
                _ => (byte)(i - 896),
            };
        }

        return table;
    }
}
