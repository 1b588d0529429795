namespace Segmentation.ML.Imaging;

/// <summary>
/// An 8-bit RGB image stored row-major as interleaved bytes: the pixel at (x, y) occupies
/// <c>Pixels[(y * Width + x) * 3 .. + 3]</c> in R, G, B order (an H×W×3 tensor layout).
/// </summary>
public sealed class RgbImage
{
    private readonly byte[] pixels;

    /// <summary>Creates a black image of the given size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive or the image exceeds 2 GB.</exception>
    public RgbImage(int width, int height)
        : this(width, height, new byte[CheckedLength(width, height)])
    {
    }

    /// <summary>Wraps an existing interleaved RGB buffer (not copied) of exactly width × height × 3 bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive.</exception>
    /// <exception cref="ArgumentException">The buffer length is not width × height × 3.</exception>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        long expected = CheckedLength(width, height);
        if (pixels.Length != expected)
        {
            throw new ArgumentException(
                $"An RGB image of {width}×{height} needs {expected} bytes (width × height × 3), but the buffer holds {pixels.Length}.",
                nameof(pixels));
        }

        Width = width;
        Height = height;
        this.pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>All pixels, row-major, R G B interleaved.</summary>
    public Span<byte> Pixels => pixels;

    /// <summary>The 3 × <see cref="Width"/> bytes of row <paramref name="y"/>.</summary>
    public Span<byte> GetRow(int y)
    {
        if ((uint)y >= (uint)Height)
        {
            throw new ArgumentOutOfRangeException(nameof(y), y, $"Row must be in 0..{Height - 1}.");
        }

        return pixels.AsSpan(y * Width * 3, Width * 3);
    }

    /// <summary>The colour at (x, y).</summary>
    public Rgb24 GetPixel(int x, int y)
    {
        int offset = Offset(x, y);
        return new Rgb24(pixels[offset], pixels[offset + 1], pixels[offset + 2]);
    }

    /// <summary>Sets the colour at (x, y).</summary>
    public void SetPixel(int x, int y, Rgb24 color)
    {
        int offset = Offset(x, y);
        pixels[offset] = color.R;
        pixels[offset + 1] = color.G;
        pixels[offset + 2] = color.B;
    }

    private int Offset(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"Pixel ({x}, {y}) is outside the {Width}×{Height} image.");
        }

        return (y * Width + x) * 3;
    }

    private static int CheckedLength(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        long length = (long)width * height * 3;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"An RGB image of {width}×{height} does not fit in one array.");
        }

        return (int)length;
    }
}
