namespace Segmentation.ML.Imaging;

/// <summary>
/// A per-pixel class map: one byte per pixel, row-major (an H×W tensor layout). Values are
/// class indices; datasets reserve one value (e.g. 255 for VOC) for pixels to ignore.
/// </summary>
public sealed class LabelMap
{
    private readonly byte[] labels;

    /// <summary>Creates a map of the given size filled with zeros.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive or the map exceeds 2 GB.</exception>
    public LabelMap(int width, int height)
        : this(width, height, new byte[CheckedLength(width, height)])
    {
    }

    /// <summary>Wraps an existing buffer (not copied) of exactly width × height bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive.</exception>
    /// <exception cref="ArgumentException">The buffer length is not width × height.</exception>
    public LabelMap(int width, int height, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        long expected = CheckedLength(width, height);
        if (labels.Length != expected)
        {
            throw new ArgumentException(
                $"A label map of {width}×{height} needs {expected} bytes, but the buffer holds {labels.Length}.",
                nameof(labels));
        }

        Width = width;
        Height = height;
        this.labels = labels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>All labels, row-major.</summary>
    public Span<byte> Labels => labels;

    /// <summary>The label at (x, y).</summary>
    public byte this[int x, int y]
    {
        get => labels[Offset(x, y)];
        set => labels[Offset(x, y)] = value;
    }

    /// <summary>The <see cref="Width"/> labels of row <paramref name="y"/>.</summary>
    public Span<byte> GetRow(int y)
    {
        if ((uint)y >= (uint)Height)
        {
            throw new ArgumentOutOfRangeException(nameof(y), y, $"Row must be in 0..{Height - 1}.");
        }

        return labels.AsSpan(y * Width, Width);
    }

    private int Offset(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"Pixel ({x}, {y}) is outside the {Width}×{Height} label map.");
        }

        return y * Width + x;
    }

    private static int CheckedLength(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        long length = (long)width * height;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"A label map of {width}×{height} does not fit in one array.");
        }

        return (int)length;
    }
}
