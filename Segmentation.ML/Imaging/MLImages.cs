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
    /// As with <c>LoadImages</c>, pixels come out in stored order and alpha is premultiplied before it is dropped, so a
    /// complete file gives the same pixels. Unlike it, a file cut short is refused (LoadImages fills the missing rows
    /// with gray and says nothing), a JPEG declaring more pixels than its bytes can hold is refused before pixel memory
    /// is allocated (see <see cref="JpegPixelsPerByte"/>), and the EXIF orientation is applied when
    /// <see cref="ImageDecoderOptions.ApplyExifOrientation"/> asks.
    /// </remarks>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ImageFormatException">The file declares more pixels than allowed or than its size can hold, is cut short, or SkiaSharp cannot decode it (the message names it).</exception>
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

    /// <summary>
    /// The most pixels a JPEG of a given byte length can describe: every 8 × 8 block of the first component costs at
    /// least one bit of Huffman code (a DC difference, in sequential and progressive files alike), so a file of N bytes
    /// holds at most 8 N blocks, 512 N pixels. A header declaring more belongs to a truncated or damaged file; it is
    /// refused before SkiaSharp allocates the declared size (up to 400 MB at the 100-megapixel cap).
    /// Arithmetic-coded JPEGs could in principle compress further; SkiaSharp does not decode them.
    /// </summary>
    public const int JpegPixelsPerByte = 512;

    private static RgbImage Decode(byte[] data, ImageDecoderOptions? options, string? path)
    {
        options ??= ImageDecoderOptions.Default;
        using var codec = SKCodec.Create(new MemoryStream(data, writable: false), out SKCodecResult created);
        if (codec is null)
        {
            throw created == SKCodecResult.Unimplemented
                ? new UnknownImageFormatException("SkiaSharp recognises no image format in it", path)
                : new InvalidImageContentException($"SkiaSharp cannot decode it ({created})", path);
        }
        int width = codec.Info.Width, height = codec.Info.Height;
        if ((long)width * height > options.MaxPixels)
            throw new ImageTooLargeException(width, height, options.MaxPixels, path);
        if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg && (long)width * height > (long)JpegPixelsPerByte * data.Length)
        {
            throw new InvalidImageContentException(
                $"its header declares {width}×{height} pixels, more than a JPEG of {data.Length:N0} bytes can hold (at most {JpegPixelsPerByte} pixels per byte); the file is truncated or damaged", path);
        }

        // What SKBitmap.Decode (and so ML.NET's MLImage) does, except that incomplete input is an error, not gray rows.
        var info = codec.Info;
        if (info.AlphaType == SKAlphaType.Unpremul) info.AlphaType = SKAlphaType.Premul;
        info.ColorSpace = null;
        if (info.ColorType is not (SKColorType.Rgba8888 or SKColorType.Bgra8888)) info.ColorType = SKImageInfo.PlatformColorType;
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new InvalidImageContentException(result == SKCodecResult.IncompleteInput
                ? "the file ends before its last row (truncated file)"
                : $"SkiaSharp cannot decode it ({result})", path);
        }

        var rgb = ToRgb(bitmap.GetPixelSpan(), bitmap.ColorType, width, height, bitmap.RowBytes);
        return options.ApplyExifOrientation ? Orientation.Apply(rgb, (int)codec.EncodedOrigin) : rgb;
    }

    /// <summary>The image's pixels as RGB (alpha dropped).</summary>
    /// <exception cref="NotSupportedException">The image's pixel format is neither BGRA32 nor RGBA32.</exception>
    public static RgbImage ToRgb(MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var colorType = image.PixelFormat switch
        {
            MLPixelFormat.Bgra32 => SKColorType.Bgra8888,
            MLPixelFormat.Rgba32 => SKColorType.Rgba8888,
            _ => throw new NotSupportedException($"Images in pixel format {image.PixelFormat} are not supported; expected BGRA32 or RGBA32."),
        };
        return ToRgb(image.Pixels, colorType, image.Width, image.Height, 4 * image.Width);
    }

    private static RgbImage ToRgb(ReadOnlySpan<byte> source, SKColorType colorType, int width, int height, int rowBytes)
    {
        var (r, b) = colorType switch
        {
            SKColorType.Bgra8888 => (2, 0),
            SKColorType.Rgba8888 => (0, 2),
            _ => throw new NotSupportedException($"Images in pixel format {colorType} are not supported; expected BGRA8888 or RGBA8888."),
        };
        var rgb = new RgbImage(width, height);
        var target = rgb.Pixels;
        for (int y = 0; y < height; y++)
        {
            var row = source.Slice(y * rowBytes, 4 * width);
            var line = target.Slice(3 * y * width, 3 * width);
            for (int p = 0, q = 0; q < line.Length; p += 4, q += 3)
            {
                line[q] = row[p + r];
                line[q + 1] = row[p + 1];
                line[q + 2] = row[p + b];
            }
        }
        return rgb;
    }
}
