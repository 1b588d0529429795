namespace Segmentation.ML.Imaging.Png;

/// <summary>The validated IHDR chunk (PNG spec 11.2.2).</summary>
internal sealed class PngHeader
{
    public const int ColorGray = 0, ColorRgb = 2, ColorIndexed = 3, ColorGrayAlpha = 4, ColorRgba = 6;

    private PngHeader(int width, int height, int bitDepth, int colorType, bool interlaced)
    {
        Width = width;
        Height = height;
        BitDepth = bitDepth;
        ColorType = colorType;
        Interlaced = interlaced;
        Channels = colorType switch { ColorGray => 1, ColorRgb => 3, ColorIndexed => 1, ColorGrayAlpha => 2, _ => 4 };
    }

    public int Width { get; }

    public int Height { get; }

    public int BitDepth { get; }

    public int ColorType { get; }

    public bool Interlaced { get; }

    public int Channels { get; }

    /// <summary>Bytes per complete pixel as the filters count them (at least 1).</summary>
    public int FilterBytesPerPixel => Math.Max(1, Channels * BitDepth / 8);

    public long RowBytes(int pixels) => ((long)pixels * Channels * BitDepth + 7) / 8;

    public ImageColorModel ColorModel => ColorType switch
    {
        ColorGray => ImageColorModel.Grayscale,
        ColorRgb => ImageColorModel.Rgb,
        ColorIndexed => ImageColorModel.Indexed,
        ColorGrayAlpha => ImageColorModel.GrayscaleAlpha,
        _ => ImageColorModel.Rgba,
    };

    public static PngHeader Parse(ReadOnlySpan<byte> ihdr)
    {
        if (ihdr.Length != 13)
        {
            ImageThrow.InvalidContent($"IHDR chunk has {ihdr.Length} bytes instead of 13");
        }

        uint width = ReadUInt32(ihdr), height = ReadUInt32(ihdr[4..]);
        int bitDepth = ihdr[8], colorType = ihdr[9];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
        {
            ImageThrow.InvalidContent($"IHDR declares an invalid size {width}×{height} (each side must be 1..2^31-1)");
        }

        bool validDepth = colorType switch
        {
            ColorGray => bitDepth is 1 or 2 or 4 or 8 or 16,
            ColorIndexed => bitDepth is 1 or 2 or 4 or 8,
            ColorRgb or ColorGrayAlpha or ColorRgba => bitDepth is 8 or 16,
            _ => false,
        };
        if (!validDepth)
        {
            ImageThrow.InvalidContent($"IHDR declares colour type {colorType} with bit depth {bitDepth}, which PNG does not allow");
        }

        if (ihdr[10] != 0 || ihdr[11] != 0)
        {
            ImageThrow.Unsupported($"IHDR declares compression method {ihdr[10]} and filter method {ihdr[11]}; only 0 and 0 exist");
        }

        if (ihdr[12] > 1)
        {
            ImageThrow.InvalidContent($"IHDR declares interlace method {ihdr[12]}; only 0 (none) and 1 (Adam7) exist");
        }

        return new PngHeader((int)width, (int)height, bitDepth, colorType, ihdr[12] == 1);
    }

    public static uint ReadUInt32(ReadOnlySpan<byte> s) => ((uint)s[0] << 24) | ((uint)s[1] << 16) | ((uint)s[2] << 8) | s[3];
}
