using Segmentation.ML.Data;
using Segmentation.ML.Transforms;

namespace Segmentation.ML;

/// <summary>The image transforms of <see cref="SegmentationContext.Transforms"/>.</summary>
public static class TransformsCatalogExtensions
{
    /// <summary>Decodes the RGB image files named in <paramref name="inputColumnName"/>.</summary>
    public static ImageLoadingEstimator LoadImages(this TransformsCatalog catalog, string outputColumnName = "Image", string inputColumnName = "ImagePath") =>
        new(outputColumnName, inputColumnName);

    /// <summary>Decodes the label-map files named in <paramref name="inputColumnName"/> as labels of <paramref name="classes"/>.</summary>
    public static ImageLoadingEstimator LoadLabelMaps(this TransformsCatalog catalog, SegmentationClassSet classes, string outputColumnName = "Label", string inputColumnName = "LabelPath") =>
        new(outputColumnName, inputColumnName, classes ?? throw new ArgumentNullException(nameof(classes)));

    /// <summary>Resizes images (bilinear) and, when present, label maps (nearest) to <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static ImageResizingEstimator ResizeImages(this TransformsCatalog catalog, int width, int height, string imageColumnName = "Image", string? labelColumnName = "Label") =>
        new(width, height, imageColumnName, labelColumnName);

    /// <summary>Converts images to ImageNet-normalised [3, H, W] tensors.</summary>
    public static ImageNetNormalizingEstimator NormalizeImageNet(this TransformsCatalog catalog, string outputColumnName = "Pixels", string inputColumnName = "Image") =>
        new(outputColumnName, inputColumnName);

    /// <summary>Random crop (when both sizes are given) and horizontal flip for training; identity at inference.</summary>
    public static ImageAugmentingEstimator Augment(this TransformsCatalog catalog, int? cropWidth = null, int? cropHeight = null, bool horizontalFlip = true,
        string imageColumnName = "Image", string labelColumnName = "Label") =>
        new(cropWidth, cropHeight, horizontalFlip, catalog.Context.NextSeed(), imageColumnName, labelColumnName);
}
