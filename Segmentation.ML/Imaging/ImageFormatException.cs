namespace Segmentation.ML.Imaging;

/// <summary>
/// Base of the errors raised when an image cannot be decoded. The message names the file (when
/// decoding from a path) and the problem; <see cref="FilePath"/> carries the path separately.
/// Catch this type to handle every decoding failure; I/O failures (missing file, no access)
/// are reported as the usual <see cref="IOException"/>s instead.
/// </summary>
public class ImageFormatException : Exception
{
    /// <summary>Creates the exception for a problem description such as "CRC mismatch in chunk IDAT".</summary>
    public ImageFormatException(string problem, string? filePath = null, Exception? innerException = null)
        : base(Compose(problem, filePath), innerException)
    {
        Problem = problem;
        FilePath = filePath;
    }

    /// <summary>The file being decoded, or <c>null</c> when decoding from memory.</summary>
    public string? FilePath { get; }

    /// <summary>The problem without the file name.</summary>
    public string Problem { get; }

    /// <summary>The same error attributed to <paramref name="filePath"/>.</summary>
    internal virtual ImageFormatException WithFilePath(string filePath) => new(Problem, filePath, InnerException);

    private static string Compose(string problem, string? filePath) =>
        filePath is null ? $"Cannot decode image: {problem}." : $"Cannot decode image '{filePath}': {problem}.";
}

/// <summary>The data is neither PNG nor JPEG (judged from its first bytes), or in no format SkiaSharp recognises.</summary>
public sealed class UnknownImageFormatException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    public UnknownImageFormatException(string problem, string? filePath = null, Exception? innerException = null)
        : base(problem, filePath, innerException)
    {
    }

    internal override ImageFormatException WithFilePath(string filePath) => new UnknownImageFormatException(Problem, filePath, InnerException);
}

/// <summary>The file is damaged: truncated, a checksum fails, a structure is inconsistent or the compressed data is corrupt.</summary>
public sealed class InvalidImageContentException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    public InvalidImageContentException(string problem, string? filePath = null, Exception? innerException = null)
        : base(problem, filePath, innerException)
    {
    }

    internal override ImageFormatException WithFilePath(string filePath) => new InvalidImageContentException(Problem, filePath, InnerException);
}

/// <summary>
/// The file is valid but not decodable as asked, e.g. a colour PNG or a JPEG read as a label map,
/// or a JPEG handed to the PNG decoder (photos are decoded with <see cref="MLImages"/>).
/// </summary>
public sealed class UnsupportedImageFeatureException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    public UnsupportedImageFeatureException(string problem, string? filePath = null, Exception? innerException = null)
        : base(problem, filePath, innerException)
    {
    }

    internal override ImageFormatException WithFilePath(string filePath) => new UnsupportedImageFeatureException(Problem, filePath, InnerException);
}

/// <summary>
/// The declared dimensions exceed <see cref="ImageDecoderOptions.MaxPixels"/>. Raised after
/// reading the header and before any pixel memory is allocated.
/// </summary>
public sealed class ImageTooLargeException : ImageFormatException
{
    /// <summary>Creates the exception for the declared size and the limit.</summary>
    public ImageTooLargeException(long width, long height, long maxPixels, string? filePath = null)
        : base($"the declared size {width}×{height} ({width * height:N0} pixels) exceeds the limit of {maxPixels:N0} pixels (ImageDecoderOptions.MaxPixels)", filePath)
    {
        Width = width;
        Height = height;
        MaxPixels = maxPixels;
    }

    /// <summary>Declared width.</summary>
    public long Width { get; }

    /// <summary>Declared height.</summary>
    public long Height { get; }

    /// <summary>The limit in force.</summary>
    public long MaxPixels { get; }

    internal override ImageFormatException WithFilePath(string filePath) => new ImageTooLargeException(Width, Height, MaxPixels, filePath);
}
