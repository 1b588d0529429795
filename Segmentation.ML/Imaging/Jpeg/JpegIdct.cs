using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>The AVX2 kernel is used when the CPU has it, unless the reference is forced.</summary>
    public static bool IsVectorized => Avx2.IsSupported && !Segmentation.ML.Tensors.TensorKernels.UseReference;

    /// <summary>Dequantizes and transforms one block, writing 8 rows of 8 samples at <paramref name="offset"/> with <paramref name="stride"/>.</summary>
    /// <param name="coefficients">64 coefficients in natural (row-major) order.</param>
    /// <param name="quant">64 quantization steps in natural order.</param>
    /// <param name="output">The component plane.</param>
    /// <param name="offset">Index of the block's top-left sample in <paramref name="output"/>.</param>
    /// <param name="stride">Distance between rows of <paramref name="output"/>.</param>
    public static void Transform(ReadOnlySpan<short> coefficients, ReadOnlySpan<int> quant, Span<byte> output, int offset, int stride)
    {
        if (IsVectorized)
        {
            TransformAvx2(coefficients, quant, output, offset, stride);
        }
        else
        {
            TransformScalar(coefficients, quant, output, offset, stride);
        }
    }

    /// <summary>The reference: one column, then one row at a time, exactly as libjpeg's jidctint.c computes it.</summary>
    public static void TransformScalar(ReadOnlySpan<short> coefficients, ReadOnlySpan<int> quant, Span<byte> output, int offset, int stride)
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

    /// <summary>
    /// The same arithmetic on eight columns (pass 1) and, after a transpose, eight rows (pass 2) at
    /// once in 32-bit lanes; integer operations in the same order give bit-identical results.
    /// </summary>
    public static void TransformAvx2(ReadOnlySpan<short> coefficients, ReadOnlySpan<int> quant, Span<byte> output, int offset, int stride)
    {
        ReadOnlySpan<short> c = coefficients[..64];
        ReadOnlySpan<int> q = quant[..64];
        if (output.Length < offset + 7L * stride + 8 || offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "The block does not fit in the output plane.");
        }

        Vector256<int> r0 = Load(c, q, 0), r1 = Load(c, q, 1), r2 = Load(c, q, 2), r3 = Load(c, q, 3);
        Vector256<int> r4 = Load(c, q, 4), r5 = Load(c, q, 5), r6 = Load(c, q, 6), r7 = Load(c, q, 7);

        Vector256<int> ac = (r1 | r2 | r3 | r4 | r5 | r6 | r7) | (r0 & Vector256.Create(0, -1, -1, -1, -1, -1, -1, -1));
        if (ac == Vector256<int>.Zero)
        {
            // Only the DC term: both passes reduce to one rounded value for the whole block.
            int dc = (c[0] * q[0]) << Pass1Bits;
            byte v = RangeLimit[((dc + (1 << (Pass1Bits + 2))) >> (Pass1Bits + 3)) & 1023];
            for (int row = 0; row < 8; row++)
            {
                output.Slice(offset + row * stride, 8).Fill(v);
            }

            return;
        }

        Butterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7, ConstBits - Pass1Bits);
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Butterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7, ConstBits + Pass1Bits + 3);
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);

        Vector256<byte> top = Vector256.Narrow(Vector256.Narrow(Limit(r0), Limit(r1)), Vector256.Narrow(Limit(r2), Limit(r3))).AsByte();
        Vector256<byte> bottom = Vector256.Narrow(Vector256.Narrow(Limit(r4), Limit(r5)), Vector256.Narrow(Limit(r6), Limit(r7))).AsByte();
        for (int row = 0; row < 4; row++)
        {
            MemoryMarshal.Write(output.Slice(offset + row * stride, 8), top.AsUInt64().GetElement(row));
            MemoryMarshal.Write(output.Slice(offset + (row + 4) * stride, 8), bottom.AsUInt64().GetElement(row));
        }
    }

    private static Vector256<int> Load(ReadOnlySpan<short> c, ReadOnlySpan<int> q, int row)
    {
        Vector128<short> coefficients = Vector128.Create(c.Slice(row * 8, 8));
        return Avx2.ConvertToVector256Int32(coefficients) * Vector256.Create(q.Slice(row * 8, 8));
    }

    /// <summary>One 1-D pass on eight lanes: in k is input k, out k is output k, descaled by <paramref name="shift"/> bits with rounding.</summary>
    private static void Butterfly(
        ref Vector256<int> in0, ref Vector256<int> in1, ref Vector256<int> in2, ref Vector256<int> in3,
        ref Vector256<int> in4, ref Vector256<int> in5, ref Vector256<int> in6, ref Vector256<int> in7, int shift)
    {
        Vector256<int> z1 = (in2 + in6) * Fix0541196100;
        Vector256<int> tmp2 = z1 - in6 * Fix1847759065;
        Vector256<int> tmp3 = z1 + in2 * Fix0765366865;
        Vector256<int> tmp0 = (in0 + in4) << ConstBits;
        Vector256<int> tmp1 = (in0 - in4) << ConstBits;
        Vector256<int> tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;

        Vector256<int> o0 = in7, o1 = in5, o2 = in3, o3 = in1;
        Vector256<int> y1 = o0 + o3, y2 = o1 + o2, y3 = o0 + o2, y4 = o1 + o3;
        Vector256<int> y5 = (y3 + y4) * Fix1175875602;
        o0 *= Fix0298631336;
        o1 *= Fix2053119869;
        o2 *= Fix3072711026;
        o3 *= Fix1501321110;
        y1 *= -Fix0899976223;
        y2 *= -Fix2562915447;
        y3 = y3 * -Fix1961570560 + y5;
        y4 = y4 * -Fix0390180644 + y5;
        o0 += y1 + y3;
        o1 += y2 + y4;
        o2 += y2 + y3;
        o3 += y1 + y4;

        Vector256<int> round = Vector256.Create(1 << (shift - 1));
        in0 = Vector256.ShiftRightArithmetic(tmp10 + o3 + round, shift);
        in7 = Vector256.ShiftRightArithmetic(tmp10 - o3 + round, shift);
        in1 = Vector256.ShiftRightArithmetic(tmp11 + o2 + round, shift);
        in6 = Vector256.ShiftRightArithmetic(tmp11 - o2 + round, shift);
        in2 = Vector256.ShiftRightArithmetic(tmp12 + o1 + round, shift);
        in5 = Vector256.ShiftRightArithmetic(tmp12 - o1 + round, shift);
        in3 = Vector256.ShiftRightArithmetic(tmp13 + o0 + round, shift);
        in4 = Vector256.ShiftRightArithmetic(tmp13 - o0 + round, shift);
    }

    private static void Transpose(
        ref Vector256<int> r0, ref Vector256<int> r1, ref Vector256<int> r2, ref Vector256<int> r3,
        ref Vector256<int> r4, ref Vector256<int> r5, ref Vector256<int> r6, ref Vector256<int> r7)
    {
        Vector256<int> t0 = Avx2.UnpackLow(r0, r1), t1 = Avx2.UnpackHigh(r0, r1);
        Vector256<int> t2 = Avx2.UnpackLow(r2, r3), t3 = Avx2.UnpackHigh(r2, r3);
        Vector256<int> t4 = Avx2.UnpackLow(r4, r5), t5 = Avx2.UnpackHigh(r4, r5);
        Vector256<int> t6 = Avx2.UnpackLow(r6, r7), t7 = Avx2.UnpackHigh(r6, r7);
        Vector256<int> u0 = Avx2.UnpackLow(t0.AsInt64(), t2.AsInt64()).AsInt32(), u1 = Avx2.UnpackHigh(t0.AsInt64(), t2.AsInt64()).AsInt32();
        Vector256<int> u2 = Avx2.UnpackLow(t1.AsInt64(), t3.AsInt64()).AsInt32(), u3 = Avx2.UnpackHigh(t1.AsInt64(), t3.AsInt64()).AsInt32();
        Vector256<int> u4 = Avx2.UnpackLow(t4.AsInt64(), t6.AsInt64()).AsInt32(), u5 = Avx2.UnpackHigh(t4.AsInt64(), t6.AsInt64()).AsInt32();
        Vector256<int> u6 = Avx2.UnpackLow(t5.AsInt64(), t7.AsInt64()).AsInt32(), u7 = Avx2.UnpackHigh(t5.AsInt64(), t7.AsInt64()).AsInt32();
        r0 = Avx2.Permute2x128(u0, u4, 0x20);
        r1 = Avx2.Permute2x128(u1, u5, 0x20);
        r2 = Avx2.Permute2x128(u2, u6, 0x20);
        r3 = Avx2.Permute2x128(u3, u7, 0x20);
        r4 = Avx2.Permute2x128(u0, u4, 0x31);
        r5 = Avx2.Permute2x128(u1, u5, 0x31);
        r6 = Avx2.Permute2x128(u2, u6, 0x31);
        r7 = Avx2.Permute2x128(u3, u7, 0x31);
    }

    /// <summary>The range-limit table as arithmetic: w = (x + 128) mod 1024 gives w below 256, 255 up to 639, 0 above.</summary>
    private static Vector256<int> Limit(Vector256<int> x)
    {
        Vector256<int> w = (x + Vector256.Create(128)) & Vector256.Create(1023);
        Vector256<int> saturated = Vector256.ConditionalSelect(Vector256.LessThan(w, Vector256.Create(640)), Vector256.Create(255), Vector256<int>.Zero);
        return Vector256.ConditionalSelect(Vector256.LessThan(w, Vector256.Create(256)), w, saturated);
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
