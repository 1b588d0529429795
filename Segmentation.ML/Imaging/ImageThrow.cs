using System.Diagnostics.CodeAnalysis;

namespace Segmentation.ML.Imaging;

/// <summary>Throw helpers for the codecs, keeping the hot loops free of exception-building code.</summary>
internal static class ImageThrow
{
    [DoesNotReturn]
    public static void InvalidContent(string problem) => throw new InvalidImageContentException(problem);

    [DoesNotReturn]
    public static T InvalidContent<T>(string problem) => throw new InvalidImageContentException(problem);

    [DoesNotReturn]
    public static void Unsupported(string problem) => throw new UnsupportedImageFeatureException(problem);

    [DoesNotReturn]
    public static void TooLarge(long width, long height, long maxPixels) => throw new ImageTooLargeException(width, height, maxPixels);

    /// <summary>Refuses dimensions beyond the configured limit; call before allocating pixel memory.</summary>
    public static void IfTooLarge(long width, long height, ImageDecoderOptions options)
    {
        if (width * height > options.MaxPixels)
        {
            TooLarge(width, height, options.MaxPixels);
        }
    }
}
