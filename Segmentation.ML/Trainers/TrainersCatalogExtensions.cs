using Segmentation.ML.Trainers;

namespace Segmentation.ML;

/// <summary>The trainers of <see cref="SegmentationContext.Trainers"/>.</summary>
public static class TrainersCatalogExtensions
{
    /// <summary>The per-pixel class-frequency baseline.</summary>
    public static PixelPriorEstimator PixelPrior(this TrainersCatalog catalog,
        string labelColumnName = PixelPriorEstimator.Defaults.LabelColumnName,
        string imageColumnName = PixelPriorEstimator.Defaults.ImageColumnName,
        int gridWidth = PixelPriorEstimator.Defaults.GridWidth,
        int gridHeight = PixelPriorEstimator.Defaults.GridHeight) =>
        new(catalog.Context, new PixelPriorEstimator.Options { LabelColumnName = labelColumnName, ImageColumnName = imageColumnName, GridWidth = gridWidth, GridHeight = gridHeight });

    /// <summary>The per-pixel class-frequency baseline, configured by an options object.</summary>
    public static PixelPriorEstimator PixelPrior(this TrainersCatalog catalog, PixelPriorEstimator.Options options) =>
        new(catalog.Context, options ?? throw new ArgumentNullException(nameof(options)));
}
