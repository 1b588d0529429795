namespace Segmentation.ML.Imaging;

/// <summary>Applies an EXIF orientation (TIFF tag 0x0112) so the image appears upright.</summary>
internal static class Orientation
{
    /// <summary>
    /// Returns the upright image for orientation 1..8; 1 (and any unknown value) returns the input.
    /// Orientations 5..8 swap width and height.
    /// </summary>
    public static RgbImage Apply(RgbImage stored, int orientation)
    {
        if (orientation is < 2 or > 8)
        {
            return stored;
        }

        int sw = stored.Width, sh = stored.Height;
        bool swap = orientation >= 5;
        int dw = swap ? sh : sw, dh = swap ? sw : sh;
        var upright = new RgbImage(dw, dh);
        ReadOnlySpan<byte> src = stored.Pixels;
        Span<byte> dst = upright.Pixels;
        for (int y = 0; y < dh; y++)
        {
            for (int x = 0; x < dw; x++)
            {
                (int sx, int sy) = orientation switch
                {
                    2 => (sw - 1 - x, y),
                    3 => (sw - 1 - x, sh - 1 - y),
                    4 => (x, sh - 1 - y),
                    5 => (y, x),
                    6 => (y, sh - 1 - x),
                    7 => (sw - 1 - y, sh - 1 - x),
                    _ => (sw - 1 - y, x),
                };
                int s = (sy * sw + sx) * 3, d = (y * dw + x) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }

        return upright;
    }

    /// <summary>
    /// Reads the orientation from a TIFF structure (the payload of a JPEG "Exif\0\0" APP1 after
    /// its 6-byte header, or of a PNG eXIf chunk). Returns 1 when absent or malformed.
    /// </summary>
    public static int ReadFromTiff(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8)
        {
            return 1;
        }

        bool little;
        if (tiff[0] == 'I' && tiff[1] == 'I')
        {
            little = true;
        }
        else if (tiff[0] == 'M' && tiff[1] == 'M')
        {
            little = false;
        }
        else
        {
            return 1;
        }

        if (Read16(tiff, 2, little) != 42)
        {
            return 1;
        }

        long ifd = Read32(tiff, 4, little);
        if (ifd < 8 || ifd + 2 > tiff.Length)
        {
            return 1;
        }

        int count = Read16(tiff, (int)ifd, little);
        for (int i = 0; i < count; i++)
        {
            int entry = (int)ifd + 2 + 12 * i;
            if (entry + 12 > tiff.Length)
            {
                return 1;
            }

            if (Read16(tiff, entry, little) == 0x0112)
            {
                int type = Read16(tiff, entry + 2, little);
                int value = type == 3 ? Read16(tiff, entry + 8, little) : type == 4 ? (int)Math.Min(Read32(tiff, entry + 8, little), 9) : 1;
                return value is >= 1 and <= 8 ? value : 1;
            }
        }

        return 1;
    }

    private static int Read16(ReadOnlySpan<byte> s, int at, bool little) =>
        little ? s[at] | (s[at + 1] << 8) : (s[at] << 8) | s[at + 1];

    private static long Read32(ReadOnlySpan<byte> s, int at, bool little) =>
        little
            ? (uint)(s[at] | (s[at + 1] << 8) | (s[at + 2] << 16) | (s[at + 3] << 24))
            : (uint)((s[at] << 24) | (s[at + 1] << 16) | (s[at + 2] << 8) | s[at + 3]);
}
