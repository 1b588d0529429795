using Onnx;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tests.Tensors;

namespace Segmentation.ML.Tests.Onnx;

public class OnnxImageNetTests
{
    [Fact]
    public void NormalizeMatchesImageNetNormalizeOnABatchOfPixelPlanes()
    {
        const int images = 2, height = 7, width = 5, pixels = height * width;
        var graph = new OnnxGraphBuilder("imagenet");
        string input = graph.AddInput("pixels", "N", 3, "H", "W");
        graph.AddOutput(OnnxImageNet.Normalize(graph, input), "image", TensorProto.Types.DataType.Float, "N", 3, "H", "W");
        using var session = new OrtTestSession(graph.ToBytes());

        var random = new Random(4);
        var rgb = Enumerable.Range(0, images).Select(_ => Enumerable.Range(0, 3 * pixels).Select(_ => (byte)random.Next(256)).ToArray()).ToArray();
        rgb[0][0] = 0;
        rgb[1][^1] = 255;
        // ExtractPixels' layout: planes of 0…255 values.
        var planes = rgb.SelectMany(image => Enumerable.Range(0, 3 * pixels).Select(i => (float)image[3 * (i % pixels) + i / pixels])).ToArray();
        var actual = session.Run([("pixels", planes, [images, 3, height, width])], "image")[0].Floats;

        var expected = new float[images * 3 * pixels];
        for (int n = 0; n < images; n++) ImageNet.Normalize(rgb[n], height, width, expected.AsSpan(n * 3 * pixels, 3 * pixels));
        // One product and one sum each: within their rounding of |v·scale| + |offset|.
        var magnitude = planes.Select((v, i) =>
        {
            var (scale, offset) = ImageNet.PixelAffine(i / pixels % 3);
            return Math.Abs(v * scale) + Math.Abs(offset);
        }).ToArray();
        KernelAssert.WithinSummationBound(expected, actual, magnitude, terms: 2, "normalised pixels");
    }
}
