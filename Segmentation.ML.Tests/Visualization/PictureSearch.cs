using Segmentation.ML.Imaging;

namespace Segmentation.ML.Tests.Visualization;

/// <summary>Finds pictures inside screenshots, exactly, pixel for pixel.</summary>
internal static class PictureSearch
{
    private const int Patch = 12;

    /// <summary>
    /// Where <paramref name="needle"/> appears unscaled in <paramref name="haystack"/>, or null. Candidates come from the
    /// needle's busiest small patch (most distinct colours), so plain backgrounds do not make the search slow.
    /// </summary>
    public static (int X, int Y)? Find(RgbImage haystack, RgbImage needle)
    {
        if (needle.Width > haystack.Width || needle.Height > haystack.Height) return null;
        var (px, py) = BusiestPatch(needle);
        var anchor = needle.GetPixel(px, py);
        for (int y = py; y <= haystack.Height - needle.Height + py; y++)
            for (int x = px; x <= haystack.Width - needle.Width + px; x++)
            {
                if (haystack.GetPixel(x, y) != anchor) continue;
                if (Matches(haystack, needle, x - px, y - py, px, py, Math.Min(Patch, needle.Width - px), Math.Min(Patch, needle.Height - py))
                    && Matches(haystack, needle, x - px, y - py, 0, 0, needle.Width, needle.Height))
                    return (x - px, y - py);
            }
        return null;
    }

    /// <summary>The longest horizontal run of pixels of exactly <paramref name="colour"/>.</summary>
    public static int LongestRun(RgbImage image, Rgb24 colour)
    {
        int longest = 0;
        for (int y = 0; y < image.Height; y++)
        {
            int run = 0;
            for (int x = 0; x < image.Width; x++)
            {
                run = image.GetPixel(x, y) == colour ? run + 1 : 0;
                longest = Math.Max(longest, run);
            }
        }
        return longest;
    }

    private static bool Matches(RgbImage haystack, RgbImage needle, int ox, int oy, int x0, int y0, int width, int height)
    {
        for (int y = y0; y < y0 + height; y++)
            if (!haystack.GetRow(oy + y).Slice(3 * (ox + x0), 3 * width).SequenceEqual(needle.GetRow(y).Slice(3 * x0, 3 * width))) return false;
        return true;
    }

    private static (int X, int Y) BusiestPatch(RgbImage image)
    {
        (int X, int Y) best = (0, 0);
        int most = -1;
        for (int y = 0; y + Patch <= image.Height; y += Patch / 2)
            for (int x = 0; x + Patch <= image.Width; x += Patch / 2)
            {
                var colours = new HashSet<Rgb24>();
                for (int dy = 0; dy < Patch; dy++)
                    for (int dx = 0; dx < Patch; dx++) colours.Add(image.GetPixel(x + dx, y + dy));
                if (colours.Count > most) (most, best) = (colours.Count, (x, y));
            }
        return best;
    }
}
