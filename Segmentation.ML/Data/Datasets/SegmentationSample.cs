using Segmentation.ML.Imaging;

namespace Segmentation.ML.Data;

/// <summary>One image of a dataset and its mask, not yet loaded.</summary>
/// <param name="Id">The dataset's name for the sample, e.g. "2007_000032".</param>
/// <param name="ImagePath">Full path of the image file.</param>
/// <param name="MaskPath">Full path of the label mask file.</param>
public sealed record SegmentationSample(string Id, string ImagePath, string MaskPath);

/// <summary>A loaded, validated sample: the image and its equally sized label map.</summary>
/// <param name="Sample">Which sample this is.</param>
/// <param name="Image">The RGB image.</param>
/// <param name="Mask">Labels of the image's pixels.</param>
public sealed record LabeledImage(SegmentationSample Sample, RgbImage Image, LabelMap Mask);

/// <summary>A sample left out because it failed validation, and why.</summary>
/// <param name="Sample">The sample.</param>
/// <param name="Reason">The failure.</param>
public sealed record SkippedSample(SegmentationSample Sample, DatasetException Reason);

/// <summary>How datasets read and validate their samples.</summary>
public sealed record DatasetReadOptions
{
    /// <summary>The settings used when none are given.</summary>
    public static DatasetReadOptions Default { get; } = new();

    /// <summary>
    /// Leave out samples that fail validation (missing or unreadable files, size mismatch, labels
    /// outside the classes) instead of throwing; each is recorded in <see cref="SegmentationDataset.SkippedSamples"/>
    /// (or the statistics' list). Off by default.
    /// </summary>
    public bool SkipInvalidSamples { get; init; }

    /// <summary>Check every mask value against the classes and the ignore value. On by default.</summary>
    public bool ValidateLabels { get; init; } = true;

    /// <summary>Decoder settings for images and masks (size limit, EXIF orientation), or null for the defaults.</summary>
    public ImageDecoderOptions? DecoderOptions { get; init; }
}
