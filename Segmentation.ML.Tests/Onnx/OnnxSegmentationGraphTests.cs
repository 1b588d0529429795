using Onnx;
using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tests.Hypercolumns;
using Segmentation.ML.Tests.Tensors;

namespace Segmentation.ML.Tests.Onnx;

public class OnnxSegmentationGraphTests
{
    /// <summary>
    /// From 0…255 pixel planes to labels against the C# pipeline from the same bytes; with mirroring, the graph's
    /// grid scores of the image and of its mirror summed by <see cref="ScoreSum"/>.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LabelsFromPixelsMatchHypercolumnClassifierPredictions(bool mirror)
    {
        const int height = 37, width = 53, outputStride = 4, plane = height * width;
        var backbone = new SubsamplingBackbone([3, 5, 8, 6, 10], [1, 2, 4, 8, 16], seed: 40);
        var head = DenseHeadTests.Head(32, [24, 16], 5, seed: 41);
        var graph = new OnnxGraphBuilder("segmentation");
        string pixels = graph.AddInput("pixels", "N", 3, "H", "W");
        var (logits, labels) = OnnxSegmentationGraph.Append(graph, pixels, ImageNetNormalization.Instance, image => backbone.Append(graph, image), outputStride, head);
        graph.AddOutput(labels, "labels", TensorProto.Types.DataType.Uint32, "N", "H", "W");
        graph.AddOutput(logits, "logits", TensorProto.Types.DataType.Float, "N", 5, "h", "w");
        using var session = new OrtTestSession(graph.ToBytes());

        var random = new Random(42);
        var rgb = Enumerable.Range(0, 3 * plane).Select(_ => (byte)random.Next(256)).ToArray();
        var planes = Enumerable.Range(0, 3 * plane).Select(i => (float)rgb[3 * (i % plane) + i / plane]).ToArray();
        var outputs = session.Run([("pixels", planes, [1, 3, height, width])], "labels", "logits");
        var actual = outputs[0].UInts;
        if (mirror)
        {
            var mirrorOutputs = session.Run([("pixels", Mirror(planes, width), [1, 3, height, width])], "logits");
            int gridHeight = (height + outputStride - 1) / outputStride, gridWidth = (width + outputStride - 1) / outputStride;
            var sum = new ScoreSum(head.Classes, height, width);
            sum.Add(outputs[1].Floats, gridHeight, gridWidth, mirrored: false);
            sum.Add(mirrorOutputs[0].Floats, gridHeight, gridWidth, mirrored: true);
            actual = sum.Labels().Select(l => (uint)l).ToArray();
        }

        var image = new float[3 * plane];
        ImageNet.Normalize(rgb, height, width, image);
        // Each side's normalised value is one product and one sum away from exact.
        var imageErrors = planes.Select((v, i) =>
        {
            var (scale, offset) = ImageNet.PixelAffine(i / plane);
            return (float)(4 * KernelAssert.Epsilon * (Math.Abs(v * scale) + Math.Abs(offset)));
        }).ToArray();
        using var maps = backbone.Maps(image, height, width, outputStride);
        using var differences = backbone.ErrorMaps(imageErrors, height, width, outputStride);
        var bound = new LogitErrorBound(head, maps, differences).Image;
        if (mirror)
        {
            var (mirrored, mirroredErrors) = (Mirror(image, width), Mirror(imageErrors, width));
            maps.Mirrored = backbone.Maps(mirrored, height, width, outputStride);
            using var mirroredDifferences = backbone.ErrorMaps(mirroredErrors, height, width, outputStride);
            var other = Mirror(new LogitErrorBound(head, maps.Mirrored, mirroredDifferences).Image, width);
            for (int i = 0; i < bound.Length; i++) bound[i] += other[i];
        }
        using var scores = DenseHead.Scores(head, maps);

        Assert.Equal([1, height, width], outputs[0].Shape);
        LogitErrorBound.AssertLabels(scores.Span, bound, head.Classes, actual, mirror ? "mirrored labels" : "labels");
    }

    /// <summary>Rows of <paramref name="width"/> values reversed, in a copy.</summary>
    private static float[] Mirror(float[] planes, int width) => ScoreSum.Mirror((float[])planes.Clone(), width);
}
