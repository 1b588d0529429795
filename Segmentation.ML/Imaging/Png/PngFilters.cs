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
                for (int i = bpp; i < row.Length; i++)
                {
                    row[i] += row[i - bpp];
                }

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

    private static void UnfilterPaeth(Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
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
