using System.Globalization;
using Onnx;
using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;

namespace Segmentation.ML.Onnx;

/// <summary>
/// The one ONNX graph a trained segmenter is: RGB planes in (float [1, 3, H, W], 0…255, as ML.NET's
/// <c>ExtractPixels</c> gives them; H and W symbolic, so any size runs), class indices out (uint32 [1, H, W]).
/// For hypercolumns: the backbone's input normalisation → backbone → factorised head → scores resized to the input →
/// arg-max. A second output, the class scores on the head's grid before they are resized, costs nothing extra
/// (it is on the way) and lets <see cref="SegmentationModel"/> average in the mirrored image (test-time
/// flipping). The graph's metadata carries what a reader needs (<see cref="Description"/>).
/// </summary>
internal static class SegmenterGraph
{
    /// <summary>The input: float [1, 3, H, W], RGB planes 0…255.</summary>
    public const string InputName = "SegmentationPixels";

    /// <summary>The output: uint32 [1, H, W], the class index of every pixel.</summary>
    public const string OutputName = "SegmentationIndex";

    /// <summary>The output of the class scores on the grid, before they are resized: float [1, C, h, w].</summary>
    public const string LogitsOutputName = "SegmentationLogits";

    /// <summary>The metadata key of the format version; readers refuse other versions.</summary>
    public const string FormatKey = "segml.format";

    /// <summary>The version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Metadata keys: the class set (JSON), the saved pipeline's input size, what was trained.</summary>
    public const string ClassesKey = "segml.classes", WidthKey = "segml.input_width", HeightKey = "segml.input_height", TrainerKey = "segml.trainer";

    /// <summary>What the graph's metadata records.</summary>
    /// <param name="Classes">The classes predicted (names, ignore value, palette).</param>
    /// <param name="Width">The input width of the saved ML.NET pipeline.</param>
    /// <param name="Height">Its input height.</param>
    /// <param name="Trainer">What was trained, in words.</param>
    public sealed record Description(SegmentationClassSet Classes, int Width, int Height, string Trainer);

    /// <summary>The hypercolumn segmenter's graph.</summary>
    public static byte[] ForHypercolumns(Backbone backbone, IReadOnlyList<string> taps, int outputStride, HypercolumnHead head, Description description)
    {
        var graph = Begin(description);
        IReadOnlyList<OnnxTap> Backbone(string image) =>
            BackboneGraph.Append(graph, backbone.Layout, image, taps).Select(v => new OnnxTap(v.Value, v.Tap.Channels, v.Tap.Stride)).ToList();
        var (logits, labels) = OnnxSegmentationGraph.Append(graph, InputName, backbone.Layout.Normalization, Backbone, outputStride, head);
        End(graph, labels, logits, description.Classes.ClassCount);
        return graph.ToBytes();
    }

    /// <summary>
    /// A graph that predicts from fixed class scores on a grid (the pixel prior): the scores [C, gh, gw]
    /// resized to each input's size, then the arg-max. The input is read for its size only.
    /// </summary>
    public static byte[] ForScoreGrid(float[] scores, int gridHeight, int gridWidth, Description description)
    {
        var graph = Begin(description);
        int classes = description.Classes.ClassCount;
        string grid = graph.Constant("prior.scores", scores, 1, classes, gridHeight, gridWidth);
        End(graph, OnnxPrediction.Labels(graph, grid, InputName), grid, classes);
        return graph.ToBytes();
    }

    private static OnnxGraphBuilder Begin(Description description)
    {
        var graph = new OnnxGraphBuilder("segmenter");
        graph.AddInput(InputName, 1, 3, "height", "width");
        graph.SetMetadata(FormatKey, FormatVersion.ToString(CultureInfo.InvariantCulture));
        graph.SetMetadata(ClassesKey, description.Classes.ToJson());
        graph.SetMetadata(WidthKey, description.Width.ToString(CultureInfo.InvariantCulture));
        graph.SetMetadata(HeightKey, description.Height.ToString(CultureInfo.InvariantCulture));
        graph.SetMetadata(TrainerKey, description.Trainer);
        return graph;
    }

    /// <remarks>The scores' class dimension is stated, so a reader checks the class set in the metadata against it.</remarks>
    private static void End(OnnxGraphBuilder graph, string labels, string logits, int classes)
    {
        graph.AddOutput(labels, OutputName, TensorProto.Types.DataType.Uint32, 1, "height", "width");
        graph.AddOutput(logits, LogitsOutputName, TensorProto.Types.DataType.Float, 1, classes, "grid_height", "grid_width");
    }
}
