using Segmentation.ML.Imaging.Jpeg;
using Segmentation.ML.Imaging.Png;

namespace Segmentation.ML.Imaging;

/// <summary>
/// The library's PNG codec: decodes PNG images and label maps, and identifies PNG and JPEG headers,
/// recognising the format from the first bytes (never the file name). JPEG pixels are decoded with SkiaSharp
/// by <see cref="MLImages"/>, as ML.NET's <c>LoadImages</c> does. Every decoding failure is an
/// <see cref="ImageFormatException"/> subclass whose message names the file and the problem; I/O failures
/// surface as the usual <see cref="IOException"/>s.
/// </summary>
public static class ImageDecoder
{
    private const int IdentifyPrefixBytes = 64 * 1024;

    /// <summary>Recognises the format from the leading bytes; null when it is neither PNG nor JPEG.</summary>
    public static ImageFormat? DetectFormat(ReadOnlySpan<byte> header) =>
        PngDecoder.HasSignature(header) ? ImageFormat.Png : JpegHeader.HasSignature(header) ? ImageFormat.Jpeg : null;

    /// <summary>Decodes a PNG file to 8-bit RGB.</summary>
    /// <remarks>
    /// Alpha is dropped, 16-bit samples keep their high byte, 1/2/4-bit gray is scaled to 0..255, palette entries
    /// are looked up. JPEGs are refused with <see cref="UnsupportedImageFeatureException"/>: decode photos with
    /// <see cref="MLImages.LoadRgb"/>.
    /// </remarks>
    /// <exception cref="ImageFormatException">The file is not a decodable PNG (see the subclasses).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static RgbImage DecodeRgb(string path, ImageDecoderOptions? options = null)
    {
        byte[] data = ReadFile(path);
        return DecodeRgb(data, options, path);
    }

    /// <summary>Decodes a PNG held in memory to 8-bit RGB; see <see cref="DecodeRgb(string, ImageDecoderOptions?)"/>.</summary>
    /// <exception cref="ImageFormatException">The data is not a decodable PNG (see the subclasses).</exception>
    public static RgbImage DecodeRgb(ReadOnlySpan<byte> data, ImageDecoderOptions? options = null) => DecodeRgb(data, options, null);

    /// <summary>
    /// Decodes a mask file to labels: the palette index of an indexed PNG (e.g. VOC masks) or the
    /// raw value of a gray PNG (e.g. CamVid labels; 1/2/4-bit values are not rescaled, 16-bit values
    /// must fit in a byte). Colour PNGs and JPEGs are refused with <see cref="UnsupportedImageFeatureException"/>;
    /// decode colour-coded masks with <see cref="DecodeRgb(string, ImageDecoderOptions?)"/> and <see cref="Palette.ToLabelMap"/>.
    /// </summary>
    /// <exception cref="ImageFormatException">The file is not a decodable label PNG.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static LabelMap DecodeLabelMap(string path, ImageDecoderOptions? options = null)
    {
        byte[] data = ReadFile(path);
        return DecodeLabelMap(data, options, path);
    }

    /// <summary>Decodes a mask held in memory to labels; see <see cref="DecodeLabelMap(string, ImageDecoderOptions?)"/>.</summary>
    /// <exception cref="ImageFormatException">The data is not a decodable label PNG.</exception>
    public static LabelMap DecodeLabelMap(ReadOnlySpan<byte> data, ImageDecoderOptions? options = null) => DecodeLabelMap(data, options, null);

    /// <summary>Reads format, size, channels, bit depth and orientation from the header without decoding pixels.</summary>
    /// <exception cref="ImageFormatException">The header is not a valid PNG or JPEG header.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ImageInfo Identify(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] prefix;
        bool complete;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
        {
            prefix = new byte[(int)Math.Min(stream.Length, IdentifyPrefixBytes)];
            stream.ReadExactly(prefix);
            complete = stream.Length <= IdentifyPrefixBytes;
        }

        ImageInfo? info = Identify(prefix, complete, path);
        return info ?? Identify(ReadFile(path), complete: true, path)!;
    }

    /// <summary>Reads format, size, channels, bit depth and orientation from an encoded image in memory.</summary>
    /// <exception cref="ImageFormatException">The header is not a valid PNG or JPEG header.</exception>
    public static ImageInfo Identify(ReadOnlySpan<byte> data) => Identify(data, complete: true, null)!;

    private static ImageInfo? Identify(ReadOnlySpan<byte> data, bool complete, string? path)
    {
        try
        {
            return Sniff(data) == ImageFormat.Png ? PngDecoder.Identify(data, complete) : JpegHeader.Identify(data, complete);
        }
        catch (Exception e) when (IsTranslatable(e, path))
        {
            throw Translate(e, path);
        }
    }

    private static RgbImage DecodeRgb(ReadOnlySpan<byte> data, ImageDecoderOptions? options, string? path)
    {
        options ??= ImageDecoderOptions.Default;
        try
        {
            if (Sniff(data) == ImageFormat.Jpeg)
            {
                ImageThrow.Unsupported("JPEG photos are decoded with SkiaSharp, as ML.NET's LoadImages does; use MLImages.LoadRgb");
            }

            return PngDecoder.DecodeRgb(data, options);
        }
        catch (Exception e) when (IsTranslatable(e, path))
        {
            throw Translate(e, path);
        }
    }

    private static LabelMap DecodeLabelMap(ReadOnlySpan<byte> data, ImageDecoderOptions? options, string? path)
    {
        options ??= ImageDecoderOptions.Default;
        try
        {
            if (Sniff(data) == ImageFormat.Jpeg)
            {
                ImageThrow.Unsupported("JPEG is lossy and cannot hold a label map; masks must be PNG");
            }

            return PngDecoder.DecodeLabels(data, options);
        }
        catch (Exception e) when (IsTranslatable(e, path))
        {
            throw Translate(e, path);
        }
    }

    private static ImageFormat Sniff(ReadOnlySpan<byte> data)
    {
        ImageFormat? format = DetectFormat(data);
        if (format is null)
        {
            string start = data.IsEmpty ? "the data is empty" : $"the data starts with {Convert.ToHexString(data[..Math.Min(8, data.Length)])}";
            throw new UnknownImageFormatException($"{start}, which is neither a PNG nor a JPEG signature");
        }

        return format.Value;
    }

    private static byte[] ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return File.ReadAllBytes(path);
    }

    /// <summary>
    /// Errors to hand back as the library's own: our exceptions still missing the file name, and
    /// the runtime exceptions a corrupt input can provoke deep inside a decoder.
    /// </summary>
    private static bool IsTranslatable(Exception e, string? path) => e switch
    {
        ImageFormatException f => path is not null && f.FilePath is null,
        ArgumentNullException => false,
        IndexOutOfRangeException or ArgumentException or EndOfStreamException or InvalidDataException or OverflowException => true,
        _ => false,
    };

    private static Exception Translate(Exception e, string? path) => e switch
    {
        ImageFormatException f => f.WithFilePath(path!),
        _ => new InvalidImageContentException($"the data is corrupt ({e.GetType().Name}: {e.Message})", path, e),
    };
}
