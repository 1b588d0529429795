using Segmentation.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Transforms;

/// <summary>Decodes image files named in a text column: RGB images, or label maps of a given class set. Files are read lazily, one row at a time.</summary>
/// <remarks>
/// | Trains | Input columns | Output columns |
/// |---|---|---|
/// | no | Text (file path) | Image, or LabelMap |
/// </remarks>
public sealed class ImageLoadingEstimator(string outputColumnName, string inputColumnName, SegmentationClassSet? labelClasses = null) : IEstimator<ImageLoadingTransformer>
{
    /// <inheritdoc />
    public ImageLoadingTransformer Fit(IDataView input)
    {
        GetOutputSchema(input.Schema);
        return new ImageLoadingTransformer(outputColumnName, inputColumnName, labelClasses);
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => new ImageLoadingTransformer(outputColumnName, inputColumnName, labelClasses).GetOutputSchema(inputSchema);
}

/// <summary>The fitted loader; see <see cref="ImageLoadingEstimator"/>.</summary>
public sealed class ImageLoadingTransformer : ITransformer
{
    internal const string Kind = "segml.LoadImages";

    internal ImageLoadingTransformer(string outputColumnName, string inputColumnName, SegmentationClassSet? labelClasses)
    {
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        LabelClasses = labelClasses;
    }

    /// <summary>The column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The text column of file paths.</summary>
    public string InputColumnName { get; }

    /// <summary>When set, files are decoded as label maps of these classes; otherwise as RGB images.</summary>
    public SegmentationClassSet? LabelClasses { get; }

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
        context.Parameters["label_classes"] = LabelClasses is null ? null : SchemaCodec.WriteClasses(LabelClasses);
    }

    internal static ImageLoadingTransformer Load(ModelLoadContext context) =>
        new(context.Get<string>("output_column"), context.Get<string>("input_column"),
            context.Parameters["label_classes"] is System.Text.Json.Nodes.JsonObject classes ? SchemaCodec.ReadClasses(classes, context.Path) : null);

    private OutputColumn Output(DataViewSchema schema)
    {
        SchemaChecks.Require<TextDataViewType>(schema, InputColumnName, "a Text column of file paths", "LoadImages");
        string input = InputColumnName;
        if (LabelClasses is SegmentationClassSet classes)
            return new OutputColumn(OutputColumnName, new LabelMapDataViewType(classes), [input], (cursor, _) =>
            {
                var path = cursor.GetGetter<string>(cursor.Schema[input]);
                return (ValueGetter<LabelMap>)((ref LabelMap value) =>
                {
                    string file = null!;
                    path(ref file);
                    value = ImageDecoder.DecodeLabelMap(file);
                });
            });
        return new OutputColumn(OutputColumnName, new ImageDataViewType(), [input], (cursor, _) =>
        {
            var path = cursor.GetGetter<string>(cursor.Schema[input]);
            return (ValueGetter<RgbImage>)((ref RgbImage value) =>
            {
                string file = null!;
                path(ref file);
                value = ImageDecoder.DecodeRgb(file);
            });
        });
    }
}
