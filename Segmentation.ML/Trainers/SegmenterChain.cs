using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Segmentation.ML.Data;
using Segmentation.ML.Onnx;

namespace Segmentation.ML.Trainers;

/// <summary>
/// What every trainer's <c>Fit</c> returns: ML.NET's own transformers around one ONNX graph, so the model saves
/// with <c>mlContext.Model.Save</c> and loads in any ML.NET application without this library. The chain resizes
/// the image to the model's input size, extracts its RGB planes (0…255), runs the graph (which normalises,
/// segments, resizes the scores back and takes the arg-max) and turns the class indices into the label type.
/// </summary>
internal static class SegmenterChain
{
    /// <summary>The graph's input: RGB planes [1, 3, H, W], values 0…255, as ExtractPixels gives them.</summary>
    public const string PixelsColumn = SegmenterGraph.InputName;

    /// <summary>The graph's output: class indices [1, H, W] as uint32.</summary>
    public const string IndexColumn = SegmenterGraph.OutputName;

    private const string ResizedColumn = "SegmentationInputImage";

    /// <summary>Fits the chain on <paramref name="input"/> (nothing is learned: the graph is final) and returns it.</summary>
    /// <param name="input">Data with the image column, for the chain's schema.</param>
    /// <param name="graph">The serialised segmenter graph (see <see cref="SegmenterGraph"/>).</param>
    /// <param name="imageColumnName">The image column (ML.NET's image type).</param>
    /// <param name="width">The pipeline's input width: images are resized to it.</param>
    /// <param name="height">The pipeline's input height.</param>
    /// <param name="classCount">C: the key count of the predicted label column.</param>
    /// <param name="predictedLabelColumnName">The predicted label column: a vector of keys 1…C, one per pixel.</param>
    public static TransformerChain<ITransformer> Fit(IDataView input, byte[] graph, string imageColumnName, int width, int height, int classCount,
        string predictedLabelColumnName)
    {
        // ML.NET's transformers keep no tie to the context that made them: a model saves and loads with any context.
        var mlContext = new MLContext { TempFilePath = OnnxTransformerFiles.Folder };
        var classIndices = mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, classCount).Select(c => new ClassIndex { Value = (uint)c }));
        var shape = new Dictionary<string, int[]> { [PixelsColumn] = [1, 3, height, width] };
        var estimator = mlContext.Transforms.ResizeImages(ResizedColumn, width, height, imageColumnName, ImageResizingEstimator.ResizingKind.Fill)
            .Append(mlContext.Transforms.ExtractPixels(PixelsColumn, ResizedColumn, interleavePixelColors: false))
            .Append(mlContext.Transforms.ApplyOnnxModel([IndexColumn], [PixelsColumn], new MemoryStream(graph, writable: false), shape, gpuDeviceId: null, fallbackToCpu: false, recursionLimit: 100))
            .Append(mlContext.Transforms.Conversion.MapValueToKey(predictedLabelColumnName, IndexColumn, keyData: classIndices))
            .Append(mlContext.Transforms.DropColumns(ResizedColumn, PixelsColumn, IndexColumn));
        var chain = estimator.Fit(input);
        return new TransformerChain<ITransformer>(chain.ToArray());
    }

    /// <summary>
    /// What every trainer's <c>GetOutputSchema</c> promises: it reads an image column (ML.NET's image type) and a
    /// label map column (a vector of keys) and adds the predicted label map.
    /// </summary>
    /// <exception cref="SchemaException">A column is missing or of the wrong type (the message names it and lists the data's columns).</exception>
    public static SchemaShape OutputSchema(SchemaShape input, string trainer, string imageColumnName, string labelColumnName, string predictedLabelColumnName)
    {
        string columns = string.Join(", ", input.Select(c => $"{c.Name} ({c.ItemType})"));
        var image = input.FirstOrDefault(c => c.Name == imageColumnName);
        if (image.Name is null || image.ItemType is not ImageDataViewType)
            throw new SchemaException($"{trainer} needs an image column '{imageColumnName}' (see LoadImages); the data has: {columns}.", imageColumnName);
        var label = input.FirstOrDefault(c => c.Name == labelColumnName);
        if (label.Name is null || !SchemaShapes.IsLabelMap(label))
            throw new SchemaException($"{trainer} needs a label map column '{labelColumnName}' (a vector of keys, see LabelMapColumn); the data has: {columns}.", labelColumnName);
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(predictedLabelColumnName, SchemaShapes.PredictedLabelType, SchemaShapes.PredictedLabelAnnotations);
        return SchemaShapes.With(input, builder.ToSchema());
    }

    private sealed class ClassIndex
    {
        public uint Value { get; set; }
    }
}
