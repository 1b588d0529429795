using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Transforms;

/// <summary>
/// Converts an RGB image column to a float tensor [3, H, W] with ImageNet's normalisation
/// ((v / 255 − mean) / std per channel), the input every pretrained backbone expects.
/// </summary>
/// <remarks>
/// | Trains | Input columns | Output columns |
/// |---|---|---|
/// | no | Image | Tensor [3, H, W] |
/// </remarks>
public sealed class ImageNetNormalizingEstimator(string outputColumnName = "Pixels", string inputColumnName = "Image") : IEstimator<ImageNetNormalizingTransformer>
{
    /// <inheritdoc />
    public ImageNetNormalizingTransformer Fit(IDataView input)
    {
        GetOutputSchema(input.Schema);
        return new ImageNetNormalizingTransformer(outputColumnName, inputColumnName);
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => new ImageNetNormalizingTransformer(outputColumnName, inputColumnName).GetOutputSchema(inputSchema);
}

/// <summary>The fitted normaliser; see <see cref="ImageNetNormalizingEstimator"/>.</summary>
public sealed class ImageNetNormalizingTransformer : ITransformer
{
    internal const string Kind = "segml.NormalizeImageNet";

    internal ImageNetNormalizingTransformer(string outputColumnName, string inputColumnName)
    {
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
    }

    /// <summary>The tensor column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The image column read.</summary>
    public string InputColumnName { get; }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => MappedDataView.BuildSchema(inputSchema, [Output(inputSchema)]);

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new MappedDataView(input, [Output(input.Schema)]);

    /// <inheritdoc />
    public void Save(ModelSaveContext context)
    {
        context.SetKind(Kind);
        context.Parameters["output_column"] = OutputColumnName;
        context.Parameters["input_column"] = InputColumnName;
    }

    internal static ImageNetNormalizingTransformer Load(ModelLoadContext context) =>
        new(context.Get<string>("output_column"), context.Get<string>("input_column"));

    private OutputColumn Output(DataViewSchema schema)
    {
        var type = (ImageDataViewType)SchemaChecks.Require<ImageDataViewType>(schema, InputColumnName, "an Image column", "NormalizeImageNet").Type;
        int h = type.Height > 0 ? type.Height : -1, w = type.Width > 0 ? type.Width : -1;
        string input = InputColumnName;
        return new OutputColumn(OutputColumnName, new TensorDataViewType(3, h, w), [input], (cursor, _) =>
        {
            var source = cursor.GetGetter<RgbImage>(cursor.Schema[input]);
            Tensor? current = null;
            return (ValueGetter<Tensor>)((ref Tensor value) =>
            {
                RgbImage image = null!;
                source(ref image);
                current?.Dispose();
                current = Tensor.Uninitialized([3, image.Height, image.Width]);
                ImageNet.Normalize(image.Pixels, image.Height, image.Width, current.Span);
                value = current;
            });
        });
    }
}
