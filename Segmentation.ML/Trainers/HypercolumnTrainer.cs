using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;

namespace Segmentation.ML.Trainers;

/// <summary>
/// The hypercolumn segmenter: a pretrained backbone's taps, upsampled and concatenated per pixel, classified
/// by a shallow MLP trained on pixels sampled K per class per image (stage A) and fine-tuned as 1×1
/// convolutions on whole images (stage B), backbone frozen.
/// </summary>
/// <remarks>
/// | Trains | Input columns | Output columns |
/// |---|---|---|
/// | yes | Image (ML.NET's image type, from LoadImages); Label (label map: vector of keys, see <see cref="LabelMapColumn"/>) | PredictedLabel (vector of keys 1…C, one per pixel, row-major) |
///
/// <see cref="Fit"/> returns ML.NET's own transformers around one ONNX graph (ImageNet normalisation →
/// backbone → factorised head → resize to the input → arg-max): the model saves with
/// <c>mlContext.Model.Save</c> and loads in any ML.NET application. The saved pipeline predicts at one
/// input size (<see cref="Options.ImageWidth"/> × <see cref="Options.ImageHeight"/>; other images are resized
/// to it); <see cref="SegmentationModel"/> runs the same graph at any image's own size.
/// </remarks>
public sealed class HypercolumnTrainer : IEstimator<TransformerChain<ITransformer>>
{
    private readonly Options options;

    /// <summary>The backbone, the columns, augmentation, validation and every training setting of both stages.</summary>
    public sealed record Options : HypercolumnTrainerOptions
    {
        /// <summary>The pretrained feature extractor (see <see cref="Backbone.Load"/>); required. The trainer does not dispose it.</summary>
        public Backbone? Backbone { get; init; }

        /// <summary>Tap names, or null for the backbone's defaults.</summary>
        public IReadOnlyList<string>? Taps { get; init; }

        /// <summary>1, 2 or 4: image pixels per output-grid cell.</summary>
        public int OutputStride { get; init; } = HypercolumnExtractingEstimator.Defaults.OutputStride;

        /// <summary>The image column (ML.NET's image type).</summary>
        public string ImageColumnName { get; init; } = "Image";

        /// <summary>The label map column.</summary>
        public string LabelColumnName { get; init; } = "Label";

        /// <summary>The prediction column the model writes.</summary>
        public string PredictedLabelColumnName { get; init; } = "PredictedLabel";

        /// <summary>Mirror half the training images at random (with their labels).</summary>
        public bool HorizontalFlip { get; init; } = true;

        /// <summary>Random crop width for training images, or null (give both crop sizes or neither).</summary>
        public int? CropWidth { get; init; }

        /// <summary>Random crop height for training images, or null.</summary>
        public int? CropHeight { get; init; }

        /// <summary>Validation images with the same columns as the training data, for early stopping and per-stage metrics.</summary>
        public IDataView? ValidationData { get; init; }

        /// <summary>The saved pipeline's input width; null: the first training image's width.</summary>
        public int? ImageWidth { get; init; }

        /// <summary>The saved pipeline's input height; null: the first training image's height.</summary>
        public int? ImageHeight { get; init; }

        /// <summary>Seed of every random choice (sampling, augmentation, initialisation, shuffling); null: a fresh one.</summary>
        public int? Seed { get; init; }

        /// <summary>Progress and diagnostic messages.</summary>
        public Action<string>? Log { get; init; }

        /// <summary>Stops training at the next image or batch.</summary>
        public CancellationToken CancellationToken { get; init; }
    }

    internal HypercolumnTrainer(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Backbone is null) throw new ArgumentException("The hypercolumn trainer needs a Backbone (see Backbone.Load).", nameof(options));
        if (options.OutputStride is not (1 or 2 or 4)) throw new ArgumentOutOfRangeException(nameof(options), options.OutputStride, "The output stride must be 1, 2 or 4.");
        if (options.CropWidth.HasValue != options.CropHeight.HasValue || options.CropWidth < 1 || options.CropHeight < 1)
            throw new ArgumentException("Give both positive crop sizes, or neither.", nameof(options));
        if (options.ImageWidth < 1 || options.ImageHeight < 1 || options.ImageWidth.HasValue != options.ImageHeight.HasValue)
            throw new ArgumentException("Give both positive image sizes, or neither.", nameof(options));
        this.options = options;
        Featurizer = new HypercolumnExtractingTransformer(options.Backbone, options.Taps, options.OutputStride, "Hypercolumns", options.ImageColumnName, mirrorTestTime: false);
    }

    private HypercolumnExtractingTransformer Featurizer { get; }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        SegmenterChain.OutputSchema(inputSchema, "The hypercolumn trainer", options.ImageColumnName, options.LabelColumnName, options.PredictedLabelColumnName);

    /// <summary>Trains stage A, then stage B, and returns the model as ML.NET transformers around one ONNX graph.</summary>
    /// <exception cref="SchemaException">A column is missing or of the wrong type.</exception>
    /// <exception cref="OperationCanceledException">Cancelled through <see cref="Options.CancellationToken"/>.</exception>
    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShapes.Of(input.Schema));
        int seed = options.Seed ?? Random.Shared.Next();
        var augmentation = new Augmentation(options.CropWidth, options.CropHeight, options.HorizontalFlip);
        var train = Source(input, augmentation, seed);
        var validation = options.ValidationData is null ? null : Source(options.ValidationData, null, seed);
        var training = new HypercolumnTraining(options, options.Log ?? (_ => { }), options.CancellationToken);
        var head = training.Train(train, validation, seed);
        var (width, height) = options.ImageWidth is int w && options.ImageHeight is int h ? (w, h) : FirstImageSize(input);
        var graph = SegmenterGraph.ForHypercolumns(Featurizer.Backbone, Featurizer.Taps, options.OutputStride, head,
            new SegmenterGraph.Description(train.Classes, width, height, $"hypercolumns on {Featurizer.Backbone.Architecture}"));
        return SegmenterChain.Fit(input, graph, options.ImageColumnName, width, height, train.Classes.ClassCount, options.PredictedLabelColumnName);
    }

    private ImageViewHypercolumns Source(IDataView data, Augmentation? augmentation, int seed) =>
        new(data, options.ImageColumnName, options.LabelColumnName, Featurizer.Backbone, Featurizer.Taps, options.OutputStride, augmentation, seed, "The hypercolumn trainer");

    private (int Width, int Height) FirstImageSize(IDataView input)
    {
        using var cursor = input.GetRowCursor([input.Schema[options.ImageColumnName]]);
        if (!cursor.MoveNext()) throw new InvalidOperationException("The hypercolumn trainer needs at least one training image; the data is empty.");
        MLImage image = null!;
        cursor.GetGetter<MLImage>(input.Schema[options.ImageColumnName])(ref image);
        return (image.Width, image.Height);
    }

}
