using Segmentation.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Transforms;

/// <summary>
/// Resizes an image column (bilinear, PyTorch's align_corners=False) and optionally a label column
/// (nearest neighbour, labels never blended) to a fixed size, in place (same column names).
/// </summary>
/// <remarks>
/// | Trains | Input columns | Output columns |
/// |---|---|---|
/// | no | image: Image; label (optional): LabelMap | the same names, fixed height × width |
/// </remarks>
public sealed class ImageResizingEstimator(int width, int height, string imageColumnName = "Image", string? labelColumnName = "Label") : IEstimator<ImageResizingTransformer>
{
    /// <inheritdoc />
    public ImageResizingTransformer Fit(IDataView input)
    {
        GetOutputSchema(input.Schema);
        return new ImageResizingTransformer(width, height, imageColumnName, labelColumnName);
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) =>
        new ImageResizingTransformer(width, height, imageColumnName, labelColumnName).GetOutputSchema(inputSchema);
}

/// <summary>The fitted resizer; see <see cref="ImageResizingEstimator"/>.</summary>
public sealed class ImageResizingTransformer : ITransformer
{
    internal const string Kind = "segml.ResizeImages";

    internal ImageResizingTransformer(int width, int height, string imageColumnName, string? labelColumnName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        ImageColumnName = imageColumnName;
        LabelColumnName = labelColumnName;
    }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>The image column resized.</summary>
    public string ImageColumnName { get; }

    /// <summary>The label column resized, or null.</summary>
    public string? LabelColumnName { get; }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => MappedDataView.BuildSchema(inputSchema, Outputs(inputSchema));

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new MappedDataView(input, Outputs(input.Schema));

    /// <inheritdoc />
    public void Save(ModelSaveContext context)
    {
        context.SetKind(Kind);
        context.Parameters["width"] = Width;
        context.Parameters["height"] = Height;
        context.Parameters["image_column"] = ImageColumnName;
        context.Parameters["label_column"] = LabelColumnName;
    }

    internal static ImageResizingTransformer Load(ModelLoadContext context) =>
        new(context.Get<int>("width"), context.Get<int>("height"), context.Get<string>("image_column"), context.Parameters["label_column"]?.GetValue<string>());

    private List<OutputColumn> Outputs(DataViewSchema schema)
    {
        const string component = "ResizeImages";
        SchemaChecks.Require<ImageDataViewType>(schema, ImageColumnName, "an Image column", component);
        int w = Width, h = Height;
        var outputs = new List<OutputColumn>
        {
            new(ImageColumnName, new ImageDataViewType(h, w), [ImageColumnName], (cursor, _) =>
            {
                var source = cursor.GetGetter<RgbImage>(cursor.Schema[ImageColumnName]);
                return (ValueGetter<RgbImage>)((ref RgbImage value) =>
                {
                    RgbImage image = null!;
                    source(ref image);
                    value = ImageOps.ResizeBilinear(image, h, w);
                });
            }),
        };
        if (LabelColumnName is string labelName && schema.GetColumnOrNull(labelName) is not null)
        {
            var labelType = (LabelMapDataViewType)SchemaChecks.Require<LabelMapDataViewType>(schema, labelName, "a LabelMap column", component).Type;
            outputs.Add(new(labelName, new LabelMapDataViewType(labelType.Classes, h, w), [labelName], (cursor, _) =>
            {
                var source = cursor.GetGetter<LabelMap>(cursor.Schema[labelName]);
                return (ValueGetter<LabelMap>)((ref LabelMap value) =>
                {
                    LabelMap labels = null!;
                    source(ref labels);
                    value = ImageOps.ResizeNearest(labels, h, w);
                });
            }));
        }
        return outputs;
    }
}
