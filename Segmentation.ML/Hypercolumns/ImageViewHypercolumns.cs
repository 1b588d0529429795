using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Transforms;

namespace Segmentation.ML.Hypercolumns;

/// <summary>Random crop and horizontal flip of training images and their label maps together.</summary>
/// <param name="CropWidth">Crop width, or null for no crop (give both sizes or neither).</param>
/// <param name="CropHeight">Crop height, or null for no crop.</param>
/// <param name="HorizontalFlip">Mirror half of the images at random.</param>
internal sealed record Augmentation(int? CropWidth, int? CropHeight, bool HorizontalFlip)
{
    public bool IsIdentity => CropWidth is null && !HorizontalFlip;

    public (RgbImage Image, LabelMap Label) Apply(RgbImage image, LabelMap label, Random random)
    {
        if (CropHeight > image.Height || CropWidth > image.Width)
            throw new InvalidOperationException($"Augmentation crops {CropWidth}×{CropHeight} but an image is only {image.Width}×{image.Height}; crop smaller.");
        int height = CropHeight ?? image.Height, width = CropWidth ?? image.Width;
        int top = random.Next(image.Height - height + 1), left = random.Next(image.Width - width + 1);
        bool flip = HorizontalFlip && random.Next(2) == 1;
        return (ImageOps.Crop(image, top, left, height, width, flip), ImageOps.Crop(label, top, left, height, width, flip));
    }
}

/// <summary>
/// The labelled hypercolumns of an ML.NET data view with an image column (ML.NET's image type) and a label
/// map column (<see cref="LabelMapColumn"/>): each image is augmented when asked, run through the backbone and
/// released as soon as the trainer moves on.
/// </summary>
internal sealed class ImageViewHypercolumns : LabelledHypercolumns
{
    private readonly IDataView data;
    private readonly DataViewSchema.Column image;
    private readonly DataViewSchema.Column label;
    private readonly Backbone backbone;
    private readonly IReadOnlyList<string> taps;
    private readonly int outputStride;
    private readonly Augmentation? augmentation;
    private readonly int seed;
    private int passes;

    /// <exception cref="SchemaException">A column is missing or of the wrong type.</exception>
    public ImageViewHypercolumns(IDataView data, string imageColumnName, string labelColumnName, Backbone backbone, IReadOnlyList<string> taps, int outputStride,
        Augmentation? augmentation = null, int seed = 0, string component = "Hypercolumns")
    {
        this.data = data;
        image = SchemaException.Require(data.Schema, imageColumnName, t => t is ImageDataViewType, "an image (see LoadImages)", component);
        label = SchemaException.Require(data.Schema, labelColumnName, IsLabelMap, "a label map: a vector of keys (see LabelMapColumn)", component);
        Classes = LabelMapColumn.GetClasses(label);
        this.backbone = backbone;
        this.taps = taps;
        this.outputStride = outputStride;
        this.augmentation = augmentation is { IsIdentity: false } ? augmentation : null;
        this.seed = seed;
        Channels = backbone.AvailableTaps.Where(t => taps.Contains(t.Name)).Sum(t => t.Channels);
    }

    public override SegmentationClassSet Classes { get; }

    public override int Channels { get; }

    public override int? Count => data.GetRowCount() is long n ? (int)n : null;

    /// <summary>Whether a column type is a label map column's.</summary>
    public static bool IsLabelMap(DataViewType type) => type is VectorDataViewType { ItemType: KeyDataViewType { Count: > 0 and <= 255 } };

    public override IEnumerable<(HypercolumnMaps Maps, LabelMap Label)> Read(Random? order, CancellationToken cancellation)
    {
        // Each pass draws other crops and flips, repeatably for a given seed.
        var random = new Random(unchecked(seed * 1_000_003 + Interlocked.Increment(ref passes)));
        foreach (var (picture, truth) in ReadImages(data.CanShuffle ? order : null, cancellation))
        {
            var (input, target) = augmentation is null ? (picture, truth) : augmentation.Apply(picture, truth, random);
            using var maps = HypercolumnExtractingTransformer.Extract(backbone, taps, outputStride, input, mirror: false, cancellation);
            yield return (maps, target);
        }
    }

    public override IEnumerable<LabelMap> ReadLabels(CancellationToken cancellation) =>
        ReadImages(null, cancellation).Select(row => row.Label);

    private IEnumerable<(RgbImage Image, LabelMap Label)> ReadImages(Random? order, CancellationToken cancellation)
    {
        using var cursor = data.GetRowCursor([image, label], order);
        var imageGetter = cursor.GetGetter<MLImage>(image);
        var labelGetter = cursor.GetGetter<VBuffer<uint>>(label);
        MLImage picture = null!;
        VBuffer<uint> keys = default;
        byte ignore = Classes.IgnoreValue ?? (byte)Classes.ClassCount;
        while (cursor.MoveNext())
        {
            cancellation.ThrowIfCancellationRequested();
            imageGetter(ref picture);
            labelGetter(ref keys);
            LabelMap truth;
            try
            {
                truth = LabelMapColumn.ToLabelMap(keys, picture.Width, picture.Height, Classes.ClassCount, ignore);
            }
            catch (ArgumentException error)
            {
                throw new InvalidOperationException($"Row {cursor.Position}: the label map in '{label.Name}' does not fit the {picture.Width}×{picture.Height} image in '{image.Name}': {error.Message}", error);
            }
            yield return (MLImages.ToRgb(picture), truth);
        }
    }
}
