using Onnx;
using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tensors;
using Segmentation.ML.Tests.Hypercolumns;
using Segmentation.ML.Tests.Tensors;

namespace Segmentation.ML.Tests.Onnx;

public class OnnxHypercolumnHeadTests
{
    // Taps at strides 1 … 16 sized ⌈H/stride⌉ as strided convolutions leave them: at output stride 4 the
    // stride-1 and stride-2 taps are finer than the grid, the stride-4 one matches it, the others are coarser;
    // at output stride 16 none is coarser.
    private static readonly int[] Strides = [1, 2, 4, 8, 16];
    private static readonly int[] Channels = [3, 5, 8, 6, 10];

    /// <summary>
    /// One graph with symbolic sizes, run on a 37×53 image (grid 10×14 at output stride 4, where ⌈·/4⌉ rounds up
    /// on both axes) and on a 3×61 strip (grid 1×16: a side of 1, where pytorch_half_pixel would sample the wrong row).
    /// </summary>
    [Theory]
    [InlineData(4, new int[0])]
    [InlineData(4, new[] { 24, 16 })]
    [InlineData(16, new[] { 24, 16 })]
    public void GridLogitsAndLabelsMatchTheCSharpHeadAtTwoImageSizesWithOneGraph(int outputStride, int[] hiddenSizes)
    {
        var head = DenseHeadTests.Head(Channels.Sum(), hiddenSizes, 5, seed: 21);
        using var session = new OrtTestSession(HeadGraph(head, outputStride));
        foreach (var (height, width, seed) in new[] { (37, 53, 1), (3, 61, 2) })
        {
            var taps = Strides.Select((s, t) => KernelAssert.Random(Channels[t] * Cells(height, s) * Cells(width, s), seed * 10 + t, 2f)).ToArray();
            var inputs = new List<(string, float[], long[])> { ("image", new float[3 * height * width], [1, 3, height, width]) };
            inputs.AddRange(taps.Select((values, t) => ($"tap{t}", values, new long[] { 1, Channels[t], Cells(height, Strides[t]), Cells(width, Strides[t]) })));
            var outputs = session.Run(inputs, "logits", "labels");

            using var maps = Maps(taps, height, width, outputStride);
            var bound = new LogitErrorBound(head, maps);
            string context = $"{height}×{width}, output stride {outputStride}, hidden [{string.Join(", ", hiddenSizes)}]";
            Assert.Equal([1, head.Classes, Cells(height, outputStride), Cells(width, outputStride)], outputs[0].Shape);
            LogitErrorBound.AssertWithin(DenseHead.Logits(head, maps), outputs[0].Floats, bound.Grid, $"grid logits, {context}");
            Assert.Equal([1, height, width], outputs[1].Shape);
            using var scores = DenseHead.Scores(head, maps);
            LogitErrorBound.AssertLabels(scores.Span, bound.Image, head.Classes, outputs[1].UInts, $"labels, {context}");
        }
    }

    /// <summary>The head on tap inputs [N, c, h, w] of an [N, 3, H, W] image, all sizes symbolic; outputs grid logits and labels.</summary>
    private static byte[] HeadGraph(HypercolumnHead head, int outputStride)
    {
        var graph = new OnnxGraphBuilder("head");
        string image = graph.AddInput("image", "N", 3, "H", "W");
        var taps = Strides.Select((stride, t) => new OnnxTap(graph.AddInput($"tap{t}", "N", Channels[t], $"h{t}", $"w{t}"), Channels[t], stride)).ToList();
        string logits = OnnxHypercolumnHead.AppendGridLogits(graph, taps, image, outputStride, head);
        graph.AddOutput(logits, "logits", TensorProto.Types.DataType.Float, "N", head.Classes, "grid_height", "grid_width");
        graph.AddOutput(OnnxPrediction.Labels(graph, logits, image), "labels", TensorProto.Types.DataType.Uint32, "N", "H", "W");
        return graph.ToBytes();
    }

    private static HypercolumnMaps Maps(float[][] taps, int height, int width, int outputStride)
    {
        var features = new BackboneFeatures();
        for (int t = 0; t < taps.Length; t++)
            features.Add(new BackboneTap($"tap{t}", Channels[t], Strides[t]), Tensor.FromValues(taps[t], Channels[t], Cells(height, Strides[t]), Cells(width, Strides[t])));
        return new HypercolumnMaps(features, height, width, outputStride);
    }

    private static int Cells(int size, int stride) => (size + stride - 1) / stride;
}
