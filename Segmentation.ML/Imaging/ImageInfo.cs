namespace Segmentation.ML.Imaging;

/// <summary>Header facts about an encoded image, read without decoding its pixels.</summary>
/// <param name="Format">The container format.</param>
/// <param name="Width">Stored width in pixels (before any EXIF orientation).</param>
/// <param name="Height">Stored height in pixels (before any EXIF orientation).</param>
/// <param name="Channels">Channels stored in the file (1 gray/indexed, 2 gray+alpha, 3 colour, 4 with alpha or CMYK).</param>
/// <param name="BitDepth">Bits per sample (JPEG: the frame's sample precision, 8 for nearly all photos; PNG: 1, 2, 4, 8 or 16).</param>
/// <param name="ColorModel">How the file stores colour.</param>
/// <param name="IsInterlaced">PNG Adam7 or progressive JPEG.</param>
/// <param name="Orientation">The EXIF orientation tag, 1..8 (1 when absent).</param>
public sealed record ImageInfo(
    ImageFormat Format,
    int Width,
    int Height,
    int Channels,
    int BitDepth,
    ImageColorModel ColorModel,
    bool IsInterlaced,
    int Orientation);
