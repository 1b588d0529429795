using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Trainers;

namespace Microsoft.ML;

/// <summary>
/// The segmentation trainers, on <c>mlContext.MulticlassClassification.Trainers</c>: semantic segmentation is
/// multiclass classification of every pixel, and ML.NET's own image extensions (image classification, object
/// detection) add their trainers to this catalog too.
/// </summary>
public static class SegmentationTrainersCatalog
{
    /// <summary>The hypercolumn segmenter with default settings but for the ones given (see <see cref="HypercolumnTrainer"/>).</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="backbone">A loaded pretrained backbone (see <see cref="Backbone.Load"/>); the caller disposes it.</param>
    /// <param name="labelColumnName">The label map column.</param>
    /// <param name="imageColumnName">The image column (ML.NET's image type, from LoadImages).</param>
    /// <param name="sparseEpochs">Stage A epochs.</param>
    /// <param name="denseEpochs">Stage B epochs (0: stage A only).</param>
    /// <param name="validationData">Validation images with the same columns, or null.</param>
    /// <param name="seed">Seed of every random choice, or null.</param>
    public static HypercolumnTrainer Hypercolumns(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, Backbone backbone,
        string labelColumnName = "Label", string imageColumnName = "Image", int sparseEpochs = HypercolumnTrainerOptions.Defaults.SparseEpochs,
        int denseEpochs = HypercolumnTrainerOptions.Defaults.DenseEpochs, IDataView? validationData = null, int? seed = null) =>
        new(new HypercolumnTrainer.Options
        {
            Backbone = backbone,
            LabelColumnName = labelColumnName,
            ImageColumnName = imageColumnName,
            SparseEpochs = sparseEpochs,
            DenseEpochs = denseEpochs,
            ValidationData = validationData,
            Seed = seed,
        });

    /// <summary>The hypercolumn segmenter configured by an options object.</summary>
    public static HypercolumnTrainer Hypercolumns(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, HypercolumnTrainer.Options options) =>
        new(options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>The per-pixel class-frequency baseline (see <see cref="PixelPriorTrainer"/>).</summary>
    public static PixelPriorTrainer PixelPrior(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = PixelPriorTrainer.Defaults.LabelColumnName, string imageColumnName = PixelPriorTrainer.Defaults.ImageColumnName,
        int gridWidth = PixelPriorTrainer.Defaults.GridWidth, int gridHeight = PixelPriorTrainer.Defaults.GridHeight) =>
        new(new PixelPriorTrainer.Options { LabelColumnName = labelColumnName, ImageColumnName = imageColumnName, GridWidth = gridWidth, GridHeight = gridHeight });

    /// <summary>The per-pixel class-frequency baseline configured by an options object.</summary>
    public static PixelPriorTrainer PixelPrior(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, PixelPriorTrainer.Options options) =>
        new(options ?? throw new ArgumentNullException(nameof(options)));
}
