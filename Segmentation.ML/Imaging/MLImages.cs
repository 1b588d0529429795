using Microsoft.ML.Data;
using SkiaSharp;

namespace Segmentation.ML.Imaging;

/// <summary>
/// Photos decoded with SkiaSharp, as ML.NET's <c>LoadImages</c> decodes them, and conversions between ML.NET's
/// <see cref="MLImage"/> and <see cref="RgbImage"/>.
/// </summary>
public static class MLImages
{
    /// <summary>
    /// Decodes a photo (JPEG, PNG, …) the way ML.NET's <c>LoadImages</c> does — with SkiaSharp — so predictions made
    /// from it equal those of a saved ML.NET pipeline. The size in the header is checked against
    /// <see cref="ImageDecoderOptions.MaxPixels"/> before any pixel is decoded.
    /// </summary>
    /// <remarks>
    /// As with <c>LoadImages</c>, pixels come out in stored order, alpha is premultiplied before it is dropped, and a
    /// file cut short decodes with its missing rows filled in. Unlike it, the EXIF orientation is applied when
    /// <see cref="ImageDecoderOptions.ApplyExifOrientation"/> asks.
    /// </remarks>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ImageFormatException">The file declares more pixels than allowed, or SkiaSharp cannot decode it (the message names it).</exception>
    public static RgbImage LoadRgb(string path, ImageDecoderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file not found: {path}.", path);
        return Decode(File.ReadAllBytes(path), options, path);
    }

    /// <summary>Decodes a photo held in memory with SkiaSharp; see <see cref="LoadRgb"/>.</summary>
    /// <exception cref="ImageFormatException">The data declares more pixels than allowed, or SkiaSharp cannot decode it.</exception>
    public static RgbImage DecodeRgb(byte[] data, ImageDecoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Decode(data, options, null);
    }

    private static RgbImage Decode(byte[] data, ImageDecoderOptions? options, string? path)
    {
        options ??= ImageDecoderOptions.Default;
        int orientation;
        using (var codec = SKCodec.Create(new MemoryStream(data, writable: false), out SKCodecResult result))
        {
            if (codec is null)
            {
                throw result == SKCodecResult.Unimplemented
                    ? new UnknownImageFormatException("SkiaSharp recognises no image format in it", path)
                    : new InvalidImageContentException($"SkiaSharp cannot decode it ({result})", path);
            }
            if ((long)codec.Info.Width * codec.Info.Height > options.MaxPixels)
                throw new ImageTooLargeException(codec.Info.Width, codec.Info.Height, options.MaxPixels, path);
            orientation = (int)codec.EncodedOrigin;
        }

        MLImage image;
        try
        {
            image = MLImage.CreateFromStream(new MemoryStream(data, writable: false));
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException)
        {
            throw new InvalidImageContentException($"SkiaSharp cannot decode it ({error.Message})", path, error);
        }
        using (image)
        {
            var rgb = ToRgb(image);
            return options.ApplyExifOrientation ? Orientation.Apply(rgb, orientation) : rgb;
        }
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
}
