using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;

namespace Segmentation.ML;

/// <summary>The hypercolumn components of the catalogs.</summary>
public static class HypercolumnCatalogExtensions
{
    /// <summary>Backbone taps upsampled to the output grid and concatenated, per image (see <see cref="HypercolumnExtractingEstimator"/>).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="backbone">A loaded backbone (see <see cref="Backbone.Load"/>).</param>
    /// <param name="taps">Tap names, or null for the backbone's defaults.</param>
    /// <param name="outputStride">1, 2 or 4.</param>
    /// <param name="outputColumnName">The hypercolumn column written.</param>
    /// <param name="inputColumnName">The ImageNet-normalised image tensor read.</param>
    /// <param name="mirrorTestTime">Also extract the mirrored image's hypercolumns, which the classifier averages in (test-time augmentation; twice the work).</param>
    public static HypercolumnExtractingEstimator ExtractHypercolumns(this TransformsCatalog catalog, Backbone backbone, IReadOnlyList<string>? taps = null,
        int outputStride = HypercolumnExtractingEstimator.Defaults.OutputStride, string outputColumnName = "Hypercolumns", string inputColumnName = "Pixels",
        bool mirrorTestTime = false) =>
        new(backbone ?? throw new ArgumentNullException(nameof(backbone)), taps, outputStride, outputColumnName, inputColumnName, mirrorTestTime);

    /// <summary>The two-stage hypercolumn classifier with default settings but for the ones given.</summary>
    public static HypercolumnClassifierEstimator HypercolumnClassifier(this TrainersCatalog catalog, int sparseEpochs = HypercolumnTrainerOptions.Defaults.SparseEpochs,
        int denseEpochs = HypercolumnTrainerOptions.Defaults.DenseEpochs, IDataView? validationData = null) =>
        new(catalog.Context, new HypercolumnClassifierEstimator.Options { SparseEpochs = sparseEpochs, DenseEpochs = denseEpochs, ValidationData = validationData });

    /// <summary>The two-stage hypercolumn classifier configured by an options object.</summary>
    public static HypercolumnClassifierEstimator HypercolumnClassifier(this TrainersCatalog catalog, HypercolumnClassifierEstimator.Options options) =>
        new(catalog.Context, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>Samples K labelled hypercolumns per class present in each image (see <see cref="PixelSampler.Sample(IDataView, int, int?, int, string, string, IProgress{int}?, CancellationToken)"/>).</summary>
    public static SampledPixels SamplePixels(this DataOperationsCatalog catalog, IDataView data, int perClass = 6, int? perClassCap = null,
        string hypercolumnsColumnName = "Hypercolumns", string labelColumnName = "Label") =>
        PixelSampler.Sample(data, perClass, perClassCap, catalog.Context.NextSeed(), hypercolumnsColumnName, labelColumnName, cancellation: catalog.Context.CancellationToken);
}

/// <summary>Inference-time settings of a trained hypercolumn model.</summary>
public static class HypercolumnModels
{
    /// <summary>
    /// The same model with test-time mirroring switched on or off in its hypercolumn featurizer(s); other
    /// steps are shared, so disposing either model releases what both hold. A model without a featurizer is returned as it is.
    /// </summary>
    public static TransformerChain<ITransformer> WithMirrorTestTime(this TransformerChain<ITransformer> model, bool enabled) =>
        new(model.Select(step => step is HypercolumnExtractingTransformer featurizer ? featurizer.WithMirrorTestTime(enabled) : step));
}
