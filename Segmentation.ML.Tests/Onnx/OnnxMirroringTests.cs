using Onnx;
using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tests.Hypercolumns;
using Segmentation.ML.Tests.Tensors;

namespace Segmentation.ML.Tests.Onnx;

public class OnnxMirroringTests
{
    /// <summary>Two 37×53 images in one batch, so the image/mirror batching must keep the images apart.</summary>
    [Fact]
    public void MirroredAverageMatchesHypercolumnClassifierScoresWithMirroredMaps()
    {
        const int images = 2, height = 37, width = 53, outputStride = 4, plane = height * width;
        var backbone = new SubsamplingBackbone([3, 5, 8, 6, 10], [1, 2, 4, 8, 16], seed: 30);
        var head = DenseHeadTests.Head(32, [24, 16], 5, seed: 31);
        var graph = new OnnxGraphBuilder("mirrored head");
        string image = graph.AddInput("image", "N", 3, "H", "W");
        string logits = OnnxMirroring.AverageWithMirror(graph, image, x => OnnxHypercolumnHead.AppendGridLogits(graph, backbone.Append(graph, x), x, outputStride, head));
        graph.AddOutput(OnnxPrediction.Scores(graph, logits, image), "scores", TensorProto.Types.DataType.Float, "N", head.Classes, "H", "W");
        graph.AddOutput(OnnxPrediction.Labels(graph, logits, image), "labels", TensorProto.Types.DataType.Uint32, "N", "H", "W");
        using var session = new OrtTestSession(graph.ToBytes());

        var pixels = KernelAssert.Random(images * 3 * plane, 32, 2f);
        var outputs = session.Run([("image", pixels, [images, 3, height, width])], "scores", "labels");

        int scoreCount = head.Classes * plane;
        for (int n = 0; n < images; n++)
        {
            var picture = pixels.AsSpan(n * 3 * plane, 3 * plane).ToArray();
            var mirror = (float[])picture.Clone();
            for (int row = 0; row < 3 * height; row++) mirror.AsSpan(row * width, width).Reverse();
            using var maps = backbone.Maps(picture, height, width, outputStride);
            maps.Mirrored = backbone.Maps(mirror, height, width, outputStride);
            using var expected = DenseHead.Scores(head, maps);

            // The average's error is at most half the sum of the two sides' errors (the mirror's flipped back).
            var bound = new LogitErrorBound(head, maps).Image;
            var mirrored = new LogitErrorBound(head, maps.Mirrored).Image;
            for (int row = 0; row < head.Classes * height; row++) mirrored.AsSpan(row * width, width).Reverse();
            for (int i = 0; i < bound.Length; i++) bound[i] += mirrored[i];

            LogitErrorBound.AssertWithin(expected.Span, outputs[0].Floats.AsSpan(n * scoreCount, scoreCount), bound, $"scores of image {n}");
            LogitErrorBound.AssertLabels(expected.Span, bound, head.Classes, outputs[1].UInts.AsSpan(n * plane, plane), $"labels of image {n}");
        }
    }
}
