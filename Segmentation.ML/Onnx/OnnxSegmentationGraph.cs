using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models;

namespace Segmentation.ML.Onnx;

/// <summary>
/// A hypercolumn model's whole inference as one graph, in the order <see cref="DenseHead"/> predicts:
/// the backbone's input normalisation → backbone → factorised head → resize to the image → arg-max.
/// </summary>
internal static class OnnxSegmentationGraph
{
    /// <summary>
    /// Appends everything after <paramref name="pixels"/> [N, 3, H, W] (0…255 RGB planes); returns the grid logits
    /// [N, C, ⌈H/s⌉, ⌈W/s⌉] and the labels [N, H, W] (uint32).
    /// </summary>
    /// <param name="normalization">What the backbone's weights expect of the pixels.</param>
    /// <param name="backbone">Appends the backbone for a normalised [N, 3, H, W] image value; returns its taps in the head's channel order.</param>
    public static (string Logits, string Labels) Append(OnnxGraphBuilder graph, string pixels, InputNormalization normalization, Func<string, IReadOnlyList<OnnxTap>> backbone, int outputStride, HypercolumnHead head)
    {
        string image = OnnxInputNormalization.Append(graph, normalization, pixels);
        string logits = OnnxHypercolumnHead.AppendGridLogits(graph, backbone(image), image, outputStride, head);
        return (logits, OnnxPrediction.Labels(graph, logits, image));
    }
}
