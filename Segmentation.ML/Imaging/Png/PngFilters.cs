using System.Numerics.Tensors;

namespace Segmentation.ML.Imaging.Png;

/// <summary>Reverses the five scanline filters of PNG filter method 0 (PNG spec 9.2).</summary>
internal static class PngFilters
{
    public const int None = 0, Sub = 1, Up = 2, Average = 3, Paeth = 4;

    /// <summary>Reconstructs <paramref name="row"/> in place from its filtered bytes and the reconstructed previous row.</summary>
    /// <param name="filter">The filter-type byte preceding the row.</param>
    /// <param name="row">The filtered bytes of the row (without the filter-type byte).</param>
    /// <param name="prior">The reconstructed previous row of the same pass, or zeros for the first row.</param>
    /// <param name="bpp">Bytes per complete pixel, at least 1.</param>
    public static void Unfilter(int filter, Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        switch (filter)
        {
            case None:
                break;
            case Sub:
                UnfilterSub(row, bpp);
                break;
            case Up:
                TensorPrimitives.Add(row, prior[..row.Length], row);
                break;
            case Average:
                UnfilterAverage(row, prior, bpp);
                break;
            case Paeth:
                UnfilterPaeth(row, prior, bpp);
                break;
            default:
                ImageThrow.InvalidContent($"scanline filter type {filter} is not one of 0..4");
                break;
        }
    }

    /// <summary>The plain per-byte definition of every filter, the reference for <see cref="Unfilter"/>.</summary>
    public static void UnfilterReference(int filter, Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
            int predictor = filter switch
            {
                None => 0,
                Sub => a,
                Up => b,
                Average => (a + b) >> 1,
                Paeth => PaethPredictor(a, b, c),
                _ => ImageThrow.InvalidContent<int>($"scanline filter type {filter} is not one of 0..4"),
            };
            row[i] = (byte)(row[i] + predictor);
        }
    }

    /// <summary>Applies <paramref name="filter"/> to <paramref name="row"/> (encoder side), writing into <paramref name="output"/>.</summary>
    public static void Filter(int filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> output)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
            int predictor = filter switch
            {
                Sub => a,
                Up => b,
                Average => (a + b) >> 1,
                Paeth => PaethPredictor(a, b, c),
                _ => 0,
            };
            output[i] = (byte)(row[i] - predictor);
        }
    }

    public static int PaethPredictor(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc)
        {
            return a;
        }

        return pb <= pc ? b : c;
    }

    /// <summary>Paeth for 3- and 4-byte pixels with the left and upper-left pixels held in registers and a branch-free predictor.</summary>
    private static void UnfilterPaethRgb(Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        int a0 = 0, a1 = 0, a2 = 0, a3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (int i = 0; i < row.Length; i += bpp)
        {
            int b0 = prior[i], b1 = prior[i + 1], b2 = prior[i + 2];
            a0 = (byte)(row[i] + Predict(a0, b0, c0));
            a1 = (byte)(row[i + 1] + Predict(a1, b1, c1));
            a2 = (byte)(row[i + 2] + Predict(a2, b2, c2));
            row[i] = (byte)a0;
            row[i + 1] = (byte)a1;
            row[i + 2] = (byte)a2;
            (c0, c1, c2) = (b0, b1, b2);
            if (bpp == 4)
            {
                int b3 = prior[i + 3];
                a3 = (byte)(row[i + 3] + Predict(a3, b3, c3));
                row[i + 3] = (byte)a3;
                c3 = b3;
            }
        }

        static int Predict(int a, int b, int c)
        {
            int pa = Math.Abs(b - c), pb = Math.Abs(a - c), pc = Math.Abs(a + b - c - c);
            int chooseA = ((pa - pb - 1) & (pa - pc - 1)) >> 31;   // all ones when pa <= pb and pa <= pc
            int chooseB = ~chooseA & ((pb - pc - 1) >> 31);         // all ones when not A and pb <= pc
            return (a & chooseA) | (b & chooseB) | (c & ~(chooseA | chooseB));
        }
    }

    private static void UnfilterAverage(Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        int n = Math.Min(bpp, row.Length);
        for (int i = 0; i < n; i++)
        {
            row[i] += (byte)(prior[i] >> 1);
        }

        for (int i = bpp; i < row.Length; i++)
        {
            row[i] += (byte)((row[i - bpp] + prior[i]) >> 1);
        }
    }

    private static void UnfilterSub(Span<byte> row, int bpp)
    {
        if (bpp == 3 || bpp == 4)
        {
            // Keep the left pixel in registers: reading it back from memory makes every byte wait on the previous store.
            int a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            int i = 0;
            for (; i + bpp <= row.Length; i += bpp)
            {
                row[i] = (byte)(a0 += row[i]);
                row[i + 1] = (byte)(a1 += row[i + 1]);
                row[i + 2] = (byte)(a2 += row[i + 2]);
                if (bpp == 4)
                {
                    row[i + 3] = (byte)(a3 += row[i + 3]);
                }
            }

            for (i = Math.Max(i, bpp); i < row.Length; i++)
            {
                row[i] += row[i - bpp];
            }

            return;
        }

        for (int i = bpp; i < row.Length; i++)
        {
            row[i] += row[i - bpp];
        }
    }

    private static void UnfilterPaeth(Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        if ((bpp == 3 || bpp == 4) && row.Length % bpp == 0)
        {
            UnfilterPaethRgb(row, prior[..row.Length], bpp);
            return;
        }

        int n = Math.Min(bpp, row.Length);
        for (int i = 0; i < n; i++)
        {
            row[i] += prior[i];
        }

        for (int i = bpp; i < row.Length; i++)
        {
            int a = row[i - bpp], b = prior[i], c = prior[i - bpp];
            int pa = Math.Abs(b - c), pb = Math.Abs(a - c), pc = Math.Abs(a + b - c - c);
            int predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
            row[i] += (byte)predictor;
        }
    }
}
