namespace Segmentation.ML.Imaging;

/// <summary>
/// Settings for decoding images: PNGs with <see cref="ImageDecoder"/>, photos with SkiaSharp through
/// <see cref="MLImages"/>. Immutable; <see cref="Default"/> is used when none are given.
/// </summary>
public sealed record ImageDecoderOptions
{
    /// <summary>The settings used when the caller passes none.</summary>
    public static ImageDecoderOptions Default { get; } = new();

    /// <summary>
    /// Largest accepted width × height. Files declaring more in their header are refused with
    /// <see cref="ImageTooLargeException"/> before pixel memory is allocated, which protects
    /// against decompression bombs. Default 100,000,000 (e.g. 10000 × 10000).
    /// </summary>
    public long MaxPixels { get; init; } = 100_000_000;

    /// <summary>
    /// Rotate/flip the decoded image as its EXIF orientation tag (JPEG APP1 as SkiaSharp reads it, PNG eXIf) says,
    /// so that it appears upright. Off by default: pixels come out in stored order.
    /// Label maps are never reoriented.
    /// </summary>
    public bool ApplyExifOrientation { get; init; }
}
