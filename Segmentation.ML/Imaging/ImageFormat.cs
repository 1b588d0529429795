namespace Segmentation.ML.Imaging;

/// <summary>The encoded image formats the library recognises: PNG (its own codec) and JPEG (decoded with SkiaSharp).</summary>
public enum ImageFormat
{
    /// <summary>Portable Network Graphics (ISO/IEC 15948).</summary>
    Png,

    /// <summary>JPEG (ITU T.81); pixels are decoded with SkiaSharp (<see cref="MLImages"/>).</summary>
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

    /// <summary>Four components, CMYK or YCCK (Adobe JPEG).</summary>
    Cmyk,
}
