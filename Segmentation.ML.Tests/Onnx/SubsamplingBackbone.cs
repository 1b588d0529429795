using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tensors;
using Segmentation.ML.Tests.Tensors;

namespace Segmentation.ML.Tests.Onnx;

/// <summary>
/// A stand-in backbone for graph tests, in ONNX and in C#, computing identical values so that only the head's
/// rounding is compared. Tap t keeps every s_t-th row and column of an [N, 3, H, W] image from the first
/// (⌈H/s_t⌉ × ⌈W/s_t⌉, the size strided convolutions give) and makes channel k image channel (k + t) mod 3 times
/// a random factor: one product, rounded alike on both sides. The mirror image's taps are not the flipped taps
/// (the kept columns shift), as with a real network.
/// </summary>
internal sealed class SubsamplingBackbone
{
    private readonly float[][] factors;

    public SubsamplingBackbone(int[] channels, int[] strides, int seed)
    {
        Channels = channels;
        Strides = strides;
        factors = channels.Select((c, t) => KernelAssert.Random(c, seed + t, 2f)).ToArray();
    }

    public int[] Channels { get; }

    public int[] Strides { get; }

    public IReadOnlyList<OnnxTap> Append(OnnxGraphBuilder graph, string image) => Strides.Select((stride, t) =>
    {
        string kept = graph.Op("Slice", [image, graph.Int64Constant("backbone.starts", [0, 0]), graph.Int64Constant("backbone.ends", [long.MaxValue, long.MaxValue]),
            graph.Int64Constant("backbone.axes", [2, 3]), graph.Int64Constant("backbone.steps", [stride, stride])]);
        string channels = graph.Op("Gather", [kept, graph.Int64Constant("backbone.channels", Enumerable.Range(0, Channels[t]).Select(k => (long)Source(k, t)).ToArray())], ("axis", 1L));
        return new OnnxTap(graph.Op("Mul", [channels, graph.Constant("backbone.factors", factors[t], Channels[t], 1, 1)]), Channels[t], stride);
    }).ToList();

    /// <summary>The hypercolumn maps of one planar image [3, height, width].</summary>
    public HypercolumnMaps Maps(ReadOnlySpan<float> image, int height, int width, int outputStride) =>
        Maps(image, height, width, outputStride, factors);

    /// <summary>Bounds on how far the taps may move when each image value may move by up to <paramref name="imageErrors"/> [3, height, width].</summary>
    public HypercolumnMaps ErrorMaps(ReadOnlySpan<float> imageErrors, int height, int width, int outputStride) =>
        Maps(imageErrors, height, width, outputStride, factors.Select(KernelAssert.Abs).ToArray());

    private HypercolumnMaps Maps(ReadOnlySpan<float> image, int height, int width, int outputStride, float[][] channelFactors)
    {
        var features = new BackboneFeatures();
        for (int t = 0; t < Strides.Length; t++)
        {
            int s = Strides[t], h = (height + s - 1) / s, w = (width + s - 1) / s;
            var values = new float[Channels[t] * h * w];
            for (int k = 0; k < Channels[t]; k++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        values[(k * h + y) * w + x] = image[(Source(k, t) * height + y * s) * width + x * s] * channelFactors[t][k];
            features.Add(new BackboneTap($"tap{t}", Channels[t], s), Tensor.FromValues(values, Channels[t], h, w));
        }
        return new HypercolumnMaps(features, height, width, outputStride);
    }

    private static int Source(int channel, int tap) => (channel + tap) % 3;
}
