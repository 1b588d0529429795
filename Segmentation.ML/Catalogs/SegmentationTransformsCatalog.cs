using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Transforms;

namespace Microsoft.ML;

/// <summary>The segmentation transforms of <see cref="MLContext.Transforms"/>.</summary>
public static class SegmentationTransformsCatalog
{
    /// <summary>
    /// Backbone taps upsampled to the output grid and concatenated, per image (see <see cref="HypercolumnExtractingEstimator"/>):
    /// for exploring features and sampling pixels; the hypercolumn trainer extracts them itself.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="backbone">A loaded backbone (see <see cref="Backbone.Load"/>); the caller disposes it.</param>
    /// <param name="outputColumnName">The hypercolumn column written.</param>
    /// <param name="inputColumnName">The image column read (ML.NET's image type, from LoadImages).</param>
    /// <param name="taps">Tap names, or null for the backbone's defaults.</param>
    /// <param name="outputStride">1, 2 or 4.</param>
    /// <param name="mirrorTestTime">Also extract the mirrored image's hypercolumns (twice the work).</param>
    public static HypercolumnExtractingEstimator ExtractHypercolumns(this TransformsCatalog catalog, Backbone backbone, string outputColumnName = "Hypercolumns",
        string inputColumnName = "Image", IReadOnlyList<string>? taps = null, int outputStride = HypercolumnExtractingEstimator.Defaults.OutputStride, bool mirrorTestTime = false) =>
        new(new HypercolumnExtractingTransformer(backbone ?? throw new ArgumentNullException(nameof(backbone)), taps, outputStride, outputColumnName, inputColumnName, mirrorTestTime));

    /// <summary>
    /// Reads the label-map files (palette or gray PNGs) named in <paramref name="inputColumnName"/> as label maps over
    /// <paramref name="classes"/> (see <see cref="LabelMapColumn"/>); for data views other than this library's dataset
    /// readers, whose Label column is already loaded. A training-time step: fit it on the data before the pipeline.
    /// </summary>
    public static LabelMapLoadingEstimator LoadLabelMaps(this TransformsCatalog catalog, SegmentationClassSet classes, string outputColumnName = "Label", string inputColumnName = "LabelPath") =>
        new(classes ?? throw new ArgumentNullException(nameof(classes)), outputColumnName, inputColumnName);
}
