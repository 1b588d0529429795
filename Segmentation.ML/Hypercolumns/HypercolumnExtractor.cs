using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tensors;
using Segmentation.ML.Transforms;

namespace Segmentation.ML.Hypercolumns;

/// <summary>
/// Runs a pretrained backbone on each image and outputs its hypercolumns (the chosen taps, upsampled
/// bilinearly to the output grid of stride 1, 2 or 4, concatenated), kept factorised per tap: for exploring
/// features and for <c>SamplePixels</c>. The hypercolumn trainer runs the same extraction itself, so a
/// training pipeline needs no separate featurizer step.
/// </summary>
/// <remarks>
/// | Trains | Input columns | Output columns |
/// |---|---|---|
/// | no | Image (ML.NET's image type, from LoadImages) | Hypercolumns (Z per cell, grid ⌈H/s⌉ × ⌈W/s⌉) |
///
/// Hypercolumns are a training-time and exploration column: a pipeline holding this transformer cannot be
/// saved (train with the hypercolumn trainer, whose model is a genuine ML.NET zip).
/// </remarks>
public sealed class HypercolumnExtractingEstimator : IEstimator<HypercolumnExtractingTransformer>
{
    private readonly HypercolumnExtractingTransformer transformer;

    internal HypercolumnExtractingEstimator(HypercolumnExtractingTransformer transformer) => this.transformer = transformer;

    /// <summary>The defaults shared by the catalog method and the trainer.</summary>
    public static class Defaults
    {
        /// <summary>
        /// 4: the dense head's second layer costs 512·1024 multiply-adds per output cell, so at stride 2 a
        /// 480×360 image needs 45 GFLOP there alone — about a fifth of a second at this class of machine's
        /// whole FMA peak; stride 4 cuts it fourfold and measured as accurate on CamVid.
        /// </summary>
        public const int OutputStride = 4;
    }

    /// <inheritdoc />
    public HypercolumnExtractingTransformer Fit(IDataView input)
    {
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var image = inputSchema.FirstOrDefault(c => c.Name == transformer.InputColumnName);
        if (image.Name is null || image.ItemType is not ImageDataViewType)
            throw new SchemaException($"ExtractHypercolumns needs an input column '{transformer.InputColumnName}' of ML.NET's image type (see LoadImages); " +
                $"the data has: {string.Join(", ", inputSchema.Select(c => $"{c.Name} ({c.ItemType})"))}.", transformer.InputColumnName);
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(transformer.OutputColumnName, new HypercolumnDataViewType(transformer.Channels, transformer.OutputStride));
        return SchemaShapes.With(inputSchema, builder.ToSchema());
    }
}

/// <summary>The hypercolumn featurizer; see <see cref="HypercolumnExtractingEstimator"/>.</summary>
public sealed class HypercolumnExtractingTransformer : ITransformer
{
    internal HypercolumnExtractingTransformer(Backbone backbone, IReadOnlyList<string>? taps, int outputStride, string outputColumnName, string inputColumnName, bool mirrorTestTime)
    {
        if (outputStride is not (1 or 2 or 4))
            throw new ArgumentOutOfRangeException(nameof(outputStride), outputStride, "The output stride must be 1, 2 or 4.");
        var chosen = taps ?? backbone.DefaultTaps;
        var known = backbone.AvailableTaps.Select(t => t.Name).ToHashSet();
        foreach (var tap in chosen)
            if (!known.Contains(tap)) throw new ArgumentException($"{backbone.Architecture} has no tap '{tap}'; the taps are: {string.Join(", ", known)}.", nameof(taps));
        if (chosen.Count == 0) throw new ArgumentException("At least one tap must be named.", nameof(taps));
        Backbone = backbone;
        Taps = backbone.AvailableTaps.Select(t => t.Name).Where(chosen.Contains).ToArray();
        OutputStride = outputStride;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        MirrorTestTime = mirrorTestTime;
        Channels = backbone.AvailableTaps.Where(t => Taps.Contains(t.Name)).Sum(t => t.Channels);
    }

    /// <summary>The feature extractor.</summary>
    public Backbone Backbone { get; }

    /// <summary>The taps concatenated, in network order.</summary>
    public IReadOnlyList<string> Taps { get; }

    /// <summary>Output stride (1, 2 or 4).</summary>
    public int OutputStride { get; }

    /// <summary>Z, the hypercolumn length.</summary>
    public int Channels { get; }

    /// <summary>The column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The image column read.</summary>
    public string InputColumnName { get; }

    /// <summary>Also compute the hypercolumns of the mirrored image (<see cref="HypercolumnMaps.Mirrored"/>); twice the work.</summary>
    public bool MirrorTestTime { get; }

    /// <summary>False: hypercolumns are computed per image in <see cref="Transform"/>.</summary>
    public bool IsRowToRowMapper => false;

    /// <summary>Computes the hypercolumns of one RGB image.</summary>
    public HypercolumnMaps Extract(RgbImage image, CancellationToken cancellation = default) =>
        Extract(Backbone, Taps, OutputStride, image, MirrorTestTime, cancellation);

    /// <summary>
    /// The hypercolumns of <paramref name="image"/> (normalised as the backbone's weights expect first), and of its
    /// mirror image when asked: the mirror is normalised after flipping, as the segmenter graph sees it, since a
    /// backbone's normalisation need not be symmetric (a mean image).
    /// </summary>
    internal static HypercolumnMaps Extract(Backbone backbone, IReadOnlyList<string> taps, int outputStride, RgbImage image, bool mirror, CancellationToken cancellation)
    {
        int height = image.Height, width = image.Width;
        using var pixels = Tensor.Uninitialized([3, height, width]);
        backbone.Normalize(image.Pixels, height, width, pixels.Span);
        var maps = new HypercolumnMaps(backbone.Forward(pixels.Span, height, width, taps, cancellation), height, width, outputStride);
        if (mirror)
        {
            backbone.Normalize(ImageOps.Crop(image, 0, 0, height, width, flip: true).Pixels, height, width, pixels.Span);
            maps.Mirrored = new HypercolumnMaps(backbone.Forward(pixels.Span, height, width, taps, cancellation), height, width, outputStride);
        }
        return maps;
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => AddedColumnsDataView.BuildSchema(inputSchema, [Output(inputSchema)]);

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new AddedColumnsDataView(input, [Output(input.Schema)]);

    /// <summary>Not supported: see <see cref="IsRowToRowMapper"/>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new InvalidOperationException("ExtractHypercolumns is not a row-to-row mapper; call Transform.");

    /// <summary>Refused: hypercolumns are a training-time column (the trained model holds its own backbone in its ONNX graph).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("ExtractHypercolumns is a training-time and exploration step and is not saved; " +
            "save the model the hypercolumn trainer returns (MulticlassClassification.Trainers.Hypercolumns), whose ONNX graph holds the backbone.");

    private AddedColumn Output(DataViewSchema schema)
    {
        SchemaException.Require(schema, InputColumnName, t => t is ImageDataViewType, "an image (see LoadImages)", "ExtractHypercolumns");
        string input = InputColumnName;
        return new AddedColumn(OutputColumnName, new HypercolumnDataViewType(Channels, OutputStride), [input], cursor =>
        {
            var source = cursor.GetGetter<MLImage>(cursor.Schema[input]);
            HypercolumnMaps? current = null;
            long position = -1;
            return (ValueGetter<HypercolumnMaps>)((ref HypercolumnMaps value) =>
            {
                if (current is null || position != cursor.Position)
                {
                    MLImage image = null!;
                    source(ref image);
                    current?.Dispose();
                    current = Extract(MLImages.ToRgb(image));
                    position = cursor.Position;
                }
                value = current;
            });
        });
    }
}
