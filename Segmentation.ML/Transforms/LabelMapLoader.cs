using Microsoft.ML;
using Microsoft.ML.Data;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Transforms;

/// <summary>
/// Reads label-map files (palette or gray PNGs: the pixel values are the class indices) named in a text column
/// into a label map column (see <see cref="LabelMapColumn"/>): values of the classes become keys 1…C, the ignore
/// value key 0. Values that are neither are refused, naming the file.
/// </summary>
/// <remarks>
/// | Trains | Input columns | Output columns |
/// |---|---|---|
/// | no | LabelPath (text) | Label (vector of keys 1…C with the class names) |
///
/// Ground truth is a training- and evaluation-time column, so this transformer is not saved: fit and apply it
/// to the data before the pipeline whose model you save.
/// </remarks>
public sealed class LabelMapLoadingEstimator : IEstimator<LabelMapLoadingTransformer>
{
    private readonly LabelMapLoadingTransformer transformer;

    internal LabelMapLoadingEstimator(SegmentationClassSet classes, string outputColumnName, string inputColumnName) =>
        transformer = new LabelMapLoadingTransformer(classes, outputColumnName, inputColumnName);

    /// <inheritdoc />
    public LabelMapLoadingTransformer Fit(IDataView input)
    {
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var path = inputSchema.FirstOrDefault(c => c.Name == transformer.InputColumnName);
        if (path.Name is null || path.ItemType is not TextDataViewType || path.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new SchemaException($"LoadLabelMaps needs a text column '{transformer.InputColumnName}' of label-map file paths.", transformer.InputColumnName);
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(transformer.OutputColumnName, LabelMapColumn.Type(transformer.Classes), LabelMapColumn.Annotations(transformer.Classes));
        return SchemaShapes.With(inputSchema, builder.ToSchema());
    }
}

/// <summary>The label-map reader; see <see cref="LabelMapLoadingEstimator"/>.</summary>
public sealed class LabelMapLoadingTransformer : ITransformer
{
    private readonly System.Buffers.SearchValues<byte> validLabels;

    internal LabelMapLoadingTransformer(SegmentationClassSet classes, string outputColumnName, string inputColumnName)
    {
        validLabels = System.Buffers.SearchValues.Create(Enumerable.Range(0, 256).Select(v => (byte)v).Where(classes.IsValidLabel).ToArray());
        Classes = classes;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
    }

    /// <summary>The classes of the label values.</summary>
    public SegmentationClassSet Classes { get; }

    /// <summary>The label map column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The path column read.</summary>
    public string InputColumnName { get; }

    /// <summary>False: files are read in <see cref="Transform"/>'s cursors.</summary>
    public bool IsRowToRowMapper => false;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => AddedColumnsDataView.BuildSchema(inputSchema, [Output(inputSchema)]);

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new AddedColumnsDataView(input, [Output(input.Schema)]);

    /// <summary>Not supported: see <see cref="IsRowToRowMapper"/>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new InvalidOperationException("LoadLabelMaps is not a row-to-row mapper; call Transform.");

    /// <summary>Refused: ground truth is not part of a model.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("LoadLabelMaps reads ground truth for training and evaluation and is not saved; apply it to the data before the pipeline whose model you save.");

    private AddedColumn Output(DataViewSchema schema)
    {
        SchemaException.Require(schema, InputColumnName, t => t is TextDataViewType, "text (label-map file paths)", "LoadLabelMaps");
        string input = InputColumnName;
        var classes = Classes;
        return new AddedColumn(OutputColumnName, LabelMapColumn.Type(classes), [input], cursor =>
        {
            var source = cursor.GetGetter<ReadOnlyMemory<char>>(cursor.Schema[input]);
            return (ValueGetter<VBuffer<uint>>)((ref VBuffer<uint> value) =>
            {
                ReadOnlyMemory<char> path = default;
                source(ref path);
                LabelMapColumn.ToKeys(Read(path.ToString()), classes.ClassCount, ref value);
            });
        }, LabelMapColumn.Annotations(classes));
    }

    private LabelMap Read(string path)
    {
        LabelMap labels;
        if (RegularFile.Problem(path) is { } problem)
            throw new DatasetException(DatasetProblem.UnreadableFile, $"Cannot read the label map {path}: it {problem}.", filePath: path);
        try
        {
            labels = ImageDecoder.DecodeLabelMap(File.ReadAllBytes(path));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ImageFormatException)
        {
            throw new DatasetException(DatasetProblem.UnreadableFile, $"Cannot read the label map {path}: {error.Message}", filePath: path, innerException: error);
        }
        int bad = labels.Labels.IndexOfAnyExcept(validLabels);
        if (bad >= 0)
            throw new DatasetException(DatasetProblem.LabelOutOfRange,
                $"The label map {path} has label {labels.Labels[bad]} at ({bad % labels.Width}, {bad / labels.Width}); expected a class 0..{Classes.ClassCount - 1}" +
                (Classes.IgnoreValue is byte ignore ? $" or the ignore value {ignore}." : "."), filePath: path);
        return labels;
    }
}
