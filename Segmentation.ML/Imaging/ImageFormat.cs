namespace Segmentation.ML.Imaging;

/// <summary>The encoded image formats the decoder understands.</summary>
public enum ImageFormat
{
    /// <summary>Portable Network Graphics (ISO/IEC 15948).</summary>
    Png,

    /// <summary>JPEG (ITU T.81), Huffman-coded baseline, extended sequential and progressive.</summary>
    Jpeg,
}

/// <summary>How the encoded file stores colour.</summary>
public enum ImageColorModel
{
    /// <summary>One luminance or gray channel.</summary>
    Grayscale,

    /// <summary>Gray plus alpha (PNG).</summary>
    GrayscaleAlpha,

    /// <summary>Red, green, blue.</summary>
    Rgb,

    /// <summary>Red, green, blue, alpha (PNG).</summary>
    Rgba,

    /// <summary>Palette indices (PNG colour type 3).</summary>
    Indexed,

    /// <summary>Luma and two chroma channels (JPEG).</summary>
    YCbCr,
}
