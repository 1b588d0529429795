using Segmentation.ML.Models;

namespace Segmentation.ML.Onnx;

/// <summary>The preprocessing of ImageNet-pretrained torchvision models, as a graph prefix (see <see cref="ImageNet"/>).</summary>
internal static class OnnxImageNet
{
    /// <summary>
    /// ((x/255) − mean)/std per channel of <paramref name="pixels"/> [N, 3, H, W]: RGB planes of 0…255 floats,
    /// as ML.NET's ExtractPixels gives them without scaling. Computed as x·scale + offset with the constants of
    /// <see cref="ImageNet.Normalize"/>, so both round alike.
    /// </summary>
    public static string Normalize(OnnxGraphBuilder graph, string pixels)
    {
        var affine = Enumerable.Range(0, 3).Select(ImageNet.PixelAffine).ToArray();
        string scaled = graph.Op("Mul", [pixels, graph.Constant("imagenet.scale", affine.Select(a => a.Scale).ToArray(), 3, 1, 1)]);
        return graph.Op("Add", [scaled, graph.Constant("imagenet.offset", affine.Select(a => a.Offset).ToArray(), 3, 1, 1)]);
    }
}
