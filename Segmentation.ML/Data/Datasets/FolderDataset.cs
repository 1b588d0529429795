using Segmentation.ML.Imaging;

namespace Segmentation.ML.Data;

/// <summary>
/// A plain folder dataset: <c>images/</c> (PNG or JPEG), <c>masks/</c> (a PNG per image with the
/// same base name; two images of one base name are refused) and <c>classes.json</c> (see <see cref="SegmentationClassSet.Load"/>). Masks may
/// hold labels (palette or gray PNG) or, when the class file has a palette, colours.
/// With a split, <c>images/{split}/</c> and <c>masks/{split}/</c> are used.
/// </summary>
public sealed class FolderDataset : SegmentationDataset
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg"];

    private FolderDataset(string root, string split, SegmentationClassSet classes, IEnumerable<SegmentationSample> samples, DatasetReadOptions? options)
        : base(root, split, classes, samples, options)
    {
    }

    /// <summary>Opens the dataset at <paramref name="root"/>, optionally one split of it.</summary>
    /// <exception cref="DatasetException">The class file or the images folder is missing or malformed, or two images share one mask (<see cref="DatasetProblem.InvalidLayout"/>).</exception>
    public static FolderDataset Open(string root, string? split = null, DatasetReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        string full = Path.GetFullPath(root);
        SegmentationClassSet classes = SegmentationClassSet.Load(Path.Combine(full, "classes.json"));
        string images = split is null ? Path.Combine(full, "images") : Path.Combine(full, "images", split);
        string masks = split is null ? Path.Combine(full, "masks") : Path.Combine(full, "masks", split);
        if (!Directory.Exists(images))
        {
            throw new DatasetException(DatasetProblem.InvalidLayout,
                $"Folder dataset '{full}' has no images folder {images}; expected images/ and masks/ next to classes.json.", filePath: images);
        }

        var byMask = Directory.EnumerateFiles(images)
            .Where(path => ImageExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .GroupBy(path => Path.GetFileNameWithoutExtension(path), StringComparer.Ordinal)
            .ToArray();
        if (byMask.FirstOrDefault(group => group.Count() > 1) is { } ambiguous)
        {
            string mask = Path.Combine(masks, ambiguous.Key + ".png");
            throw new DatasetException(DatasetProblem.InvalidLayout,
                $"Folder dataset '{full}': the images {string.Join(" and ", ambiguous.Select(Path.GetFileName))} in {images} share the mask {mask}; " +
                "one mask is one sample, so keep one image per mask name.", ambiguous.Key, mask);
        }

        var samples = byMask.Select(group => new SegmentationSample(group.Key, group.Single(), Path.Combine(masks, group.Key + ".png")));
        return new FolderDataset(full, string.IsNullOrEmpty(split) ? "all" : split, classes, samples, options);
    }

    /// <summary>Label PNGs as they are; colour PNGs through the class palette.</summary>
    private protected override LabelMap DecodeMask(byte[] data)
    {
        ImageInfo info = ImageDecoder.Identify(data);
        if (info.ColorModel is not (ImageColorModel.Rgb or ImageColorModel.Rgba) || info.Format != ImageFormat.Png)
        {
            return base.DecodeMask(data);
        }

        if (Classes.Palette is null)
        {
            throw new UnsupportedImageFeatureException("the mask is a colour image but classes.json has no \"palette\" to map colours to labels");
        }

        return Classes.Palette.ToLabelMap(ImageDecoder.DecodeRgb(data, Options.DecoderOptions));
    }
}
