using Microsoft.ML.Data;

namespace Segmentation.ML.Imaging;

/// <summary>Conversions between ML.NET's <see cref="MLImage"/> (what <c>LoadImages</c> decodes with SkiaSharp) and <see cref="RgbImage"/>.</summary>
public static class MLImages
{
    /// <summary>
    /// Decodes a photo (PNG, JPEG, …) the way ML.NET's <c>LoadImages</c> does — with SkiaSharp — so predictions made
    /// from it equal those of a saved ML.NET pipeline.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ImageFormatException">The file cannot be decoded (the message names it).</exception>
    public static RgbImage LoadRgb(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file not found: {path}.", path);
        MLImage image;
        try
        {
            image = MLImage.CreateFromFile(path);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or IOException or NotSupportedException)
        {
            throw new ImageFormatException($"cannot decode the image ({error.Message})", path, error);
        }
        using (image) return ToRgb(image);
    }

    /// <summary>The image's pixels as RGB (alpha dropped).</summary>
    /// <exception cref="NotSupportedException">The image's pixel format is neither BGRA32 nor RGBA32.</exception>
    public static RgbImage ToRgb(MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (r, b) = image.PixelFormat switch
        {
            MLPixelFormat.Bgra32 => (2, 0),
            MLPixelFormat.Rgba32 => (0, 2),
            _ => throw new NotSupportedException($"Images in pixel format {image.PixelFormat} are not supported; expected BGRA32 or RGBA32."),
        };
        var source = image.Pixels;
        var rgb = new RgbImage(image.Width, image.Height);
        var target = rgb.Pixels;
        for (int p = 0, q = 0; q < target.Length; p += 4, q += 3)
        {
            target[q] = source[p + r];
            target[q + 1] = source[p + 1];
            target[q + 2] = source[p + b];
        }
        return rgb;
    }

    /// <summary>An ML.NET image holding <paramref name="image"/>'s pixels (opaque RGBA32).</summary>
    public static MLImage FromRgb(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var source = image.Pixels;
        var rgba = new byte[image.Width * image.Height * 4];
        for (int p = 0, q = 0; p < source.Length; p += 3, q += 4)
        {
            rgba[q] = source[p];
            rgba[q + 1] = source[p + 1];
            rgba[q + 2] = source[p + 2];
            rgba[q + 3] = 255;
        }
        return MLImage.CreateFromPixels(image.Width, image.Height, MLPixelFormat.Rgba32, rgba);
    }
}
