using System.Runtime.CompilerServices;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Transforms;

/// <summary>
/// Training-time augmentation: a random crop (when a crop size is set) and a random horizontal flip,
/// applied identically to the image and its label map. It changes what later estimators in a chain
/// train on and nothing at inference: the fitted transformer's <see cref="ITransformer.Transform"/> is the identity.
/// </summary>
/// <remarks>
/// | Trains | Input columns | Output columns |
/// |---|---|---|
/// | no | Image, LabelMap | the same (training only) |
/// </remarks>
public sealed class ImageAugmentingEstimator(int? cropWidth, int? cropHeight, bool horizontalFlip, int seed, string imageColumnName = "Image", string labelColumnName = "Label") : IEstimator<ImageAugmentingTransformer>
{
    /// <inheritdoc />
    public ImageAugmentingTransformer Fit(IDataView input)
    {
        GetOutputSchema(input.Schema);
        return new ImageAugmentingTransformer(cropWidth, cropHeight, horizontalFlip, seed, imageColumnName, labelColumnName);
    }

    /// <summary>Checks both columns the augmenter trains with; the schema passes through unchanged.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        SchemaChecks.Require<LabelMapDataViewType>(inputSchema, labelColumnName, "a LabelMap column", "Augment");
        return new ImageAugmentingTransformer(cropWidth, cropHeight, horizontalFlip, seed, imageColumnName, labelColumnName).GetOutputSchema(inputSchema);
    }
}

/// <summary>The fitted augmenter; see <see cref="ImageAugmentingEstimator"/>.</summary>
public sealed class ImageAugmentingTransformer : ITrainingTimeTransformer
{
    internal const string Kind = "segml.Augment";
    private int epoch;

    internal ImageAugmentingTransformer(int? cropWidth, int? cropHeight, bool horizontalFlip, int seed, string imageColumnName, string labelColumnName)
    {
        if (cropWidth is < 1 || cropHeight is < 1) throw new ArgumentOutOfRangeException(nameof(cropWidth), "Crop sizes must be positive.");
        if (cropWidth.HasValue != cropHeight.HasValue) throw new ArgumentException("Give both crop width and crop height, or neither.", nameof(cropWidth));
        CropWidth = cropWidth;
        CropHeight = cropHeight;
        HorizontalFlip = horizontalFlip;
        Seed = seed;
        ImageColumnName = imageColumnName;
        LabelColumnName = labelColumnName;
    }

    /// <summary>Crop width, or null for no crop.</summary>
    public int? CropWidth { get; }

    /// <summary>Crop height, or null for no crop.</summary>
    public int? CropHeight { get; }

    /// <summary>Whether half of the rows are mirrored left–right.</summary>
    public bool HorizontalFlip { get; }

    /// <summary>Seed of the augmentation's random choices.</summary>
    public int Seed { get; }

    /// <summary>The image column.</summary>
    public string ImageColumnName { get; }

    /// <summary>The label column.</summary>
    public string LabelColumnName { get; }

    /// <summary>The input schema: at inference the augmenter changes nothing and needs only the image column.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        SchemaChecks.Require<ImageDataViewType>(inputSchema, ImageColumnName, "an Image column", "Augment");
        return inputSchema;
    }

    /// <summary>Inference sees the data unchanged.</summary>
    public IDataView Transform(IDataView input)
    {
        GetOutputSchema(input.Schema);
        return input;
    }

    private DataViewSchema TrainingSchema(DataViewSchema inputSchema)
    {
        GetOutputSchema(inputSchema);
        SchemaChecks.Require<LabelMapDataViewType>(inputSchema, LabelColumnName, "a LabelMap column", "Augment");
        return inputSchema;
    }

    /// <summary>
    /// A view that crops and flips each row at random; each call (one per training pass) draws new choices,
    /// reproducibly from <see cref="Seed"/>.
    /// </summary>
    public IDataView TransformForTraining(IDataView input)
    {
        var schema = TrainingSchema(input.Schema);
        var imageType = (ImageDataViewType)schema[ImageColumnName].Type;
        var labelType = (LabelMapDataViewType)schema[LabelColumnName].Type;
        int pass = Interlocked.Increment(ref epoch);
        string image = ImageColumnName, label = LabelColumnName;
        int? ch = CropHeight, cw = CropWidth;
        bool flip = HorizontalFlip;

        (int Top, int Left, bool Flip) Choose(RowContext row, int height, int width) => row.Shared(() => Draw(row, height, width)).Value;

        StrongBox<(int, int, bool)> Draw(RowContext row, int height, int width)
        {
            if (ch > height || cw > width)
                throw new InvalidOperationException($"Augment crops {cw}×{ch} but row {row.Position} is only {width}×{height}; resize first or crop smaller.");
            int top = ch is int h ? row.Random.Next(height - h + 1) : 0;
            int left = cw is int w ? row.Random.Next(width - w + 1) : 0;
            var result = (top, left, flip && row.Random.Next(2) == 1);
            return new StrongBox<(int, int, bool)>(result);
        }

        var outputs = new OutputColumn[]
        {
            new(image, new ImageDataViewType(ch ?? imageType.Height, cw ?? imageType.Width), [image], (cursor, row) =>
            {
                var source = cursor.GetGetter<RgbImage>(cursor.Schema[image]);
                return (ValueGetter<RgbImage>)((ref RgbImage value) =>
                {
                    RgbImage original = null!;
                    source(ref original);
                    var (top, left, mirror) = Choose(row, original.Height, original.Width);
                    value = ImageOps.Crop(original, top, left, ch ?? original.Height, cw ?? original.Width, mirror);
                });
            }),
            new(label, new LabelMapDataViewType(labelType.Classes, ch ?? labelType.Height, cw ?? labelType.Width), [label], (cursor, row) =>
            {
                var source = cursor.GetGetter<LabelMap>(cursor.Schema[label]);
                return (ValueGetter<LabelMap>)((ref LabelMap value) =>
                {
                    LabelMap original = null!;
                    source(ref original);
                    var (top, left, mirror) = Choose(row, original.Height, original.Width);
                    value = ImageOps.Crop(original, top, left, ch ?? original.Height, cw ?? original.Width, mirror);
                });
            }),
        };
        // Not HashCode.Combine: its per-process randomisation would make seeded training unrepeatable across runs.
        return new MappedDataView(input, outputs, unchecked(Seed * 1_000_003 + pass));
    }

    /// <inheritdoc />
    public void Save(ModelSaveContext context)
    {
        context.SetKind(Kind);
        context.Parameters["crop_width"] = CropWidth;
        context.Parameters["crop_height"] = CropHeight;
        context.Parameters["horizontal_flip"] = HorizontalFlip;
        context.Parameters["seed"] = Seed;
        context.Parameters["image_column"] = ImageColumnName;
        context.Parameters["label_column"] = LabelColumnName;
    }

    internal static ImageAugmentingTransformer Load(ModelLoadContext context) =>
        new(context.Parameters["crop_width"]?.GetValue<int>(), context.Parameters["crop_height"]?.GetValue<int>(), context.Get<bool>("horizontal_flip"),
            context.Get<int>("seed"), context.Get<string>("image_column"), context.Get<string>("label_column"));
}
