using System.Runtime.Intrinsics.X86;
using Segmentation.ML.Imaging.Jpeg;

namespace Segmentation.ML.Tests.Imaging;

/// <summary>The vectorised JPEG kernels against their scalar reference twins, on random and extreme inputs.</summary>
[Trait("Category", "Kernels")]
public sealed class JpegKernelTests
{
    [Fact]
    public void Vector_idct_matches_the_reference_bit_for_bit()
    {
        if (!Avx2.IsSupported)
        {
            return;
        }

        var random = new Random(11);
        var coefficients = new short[64];
        var quant = new int[64];
        var expected = new byte[16 * 9];
        var actual = new byte[16 * 9];
        for (int trial = 0; trial < 20_000; trial++)
        {
            int style = trial % 5;
            for (int i = 0; i < 64; i++)
            {
                quant[i] = style == 4 ? random.Next(1, 65536) : random.Next(1, 100);
                coefficients[i] = style switch
                {
                    0 => i == 0 ? (short)random.Next(-1024, 1024) : (short)0,
                    1 => random.Next(8) == 0 ? (short)random.Next(-60, 60) : (short)0,
                    2 => (short)random.Next(-300, 300),
                    _ => (short)random.Next(short.MinValue, short.MaxValue + 1),
                };
            }

            int offset = random.Next(0, 9), stride = 16;
            Array.Clear(expected);
            Array.Clear(actual);
            JpegIdct.TransformScalar(coefficients, quant, expected, offset, stride);
            JpegIdct.TransformAvx2(coefficients, quant, actual, offset, stride);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"trial {trial} (style {style}) differs");
        }
    }

    [Fact]
    public void Vector_colour_conversion_matches_the_reference_for_every_length()
    {
        var random = new Random(12);
        for (int length = 0; length <= 100; length++)
        {
            byte[] y = new byte[length], cb = new byte[length], cr = new byte[length];
            random.NextBytes(y);
            random.NextBytes(cb);
            random.NextBytes(cr);
            if (length > 3)
            {
                (y[0], cb[0], cr[0], y[1], cb[1], cr[1]) = (0, 0, 255, 255, 255, 0);
            }

            var expected = new byte[3 * length];
            var actual = new byte[3 * length];
            JpegColorConverter.YCbCrToRgbScalar(y, cb, cr, expected);
            JpegColorConverter.YCbCrToRgb(y, cb, cr, actual, length);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(4, 1)]
    [InlineData(1, 1)]
    public void Vector_upsampling_matches_the_reference_for_every_width(int hFactor, int vFactor)
    {
        if (!Ssse3.IsSupported)
        {
            return;
        }

        var random = new Random(13 * hFactor + vFactor);
        for (int width = 1; width <= 70; width++)
        {
            int height = 1 + random.Next(6), stride = width + 5;
            var plane = new byte[stride * height];
            random.NextBytes(plane);
            var vector = new JpegUpsampler(hFactor, vFactor, width, height, vectorized: true);
            var reference = new JpegUpsampler(hFactor, vFactor, width, height, vectorized: false);
            for (int y = 0; y < height * vFactor; y++)
            {
                var a = new byte[width * hFactor];
                var b = new byte[width * hFactor];
                byte[] expected = reference.GetRow(plane, stride, y, b).ToArray();
                byte[] actual = vector.GetRow(plane, stride, y, a).ToArray();
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{hFactor}x{vFactor} width {width} row {y} differs");
            }
        }
    }
}
