using Segmentation.ML.Hypercolumns;

namespace Segmentation.ML.Onnx;

/// <summary>
/// A hypercolumn model's whole inference as one graph, in the order <see cref="DenseHead"/>
/// predicts: ImageNet normalisation → backbone → factorised head (→ mirrored average) → resize to the image → arg-max.
/// </summary>
internal static class OnnxSegmentationGraph
{
    /// <summary>Appends everything after <paramref name="pixels"/> [N, 3, H, W] (0…255 RGB planes); returns the labels [N, H, W] (uint32).</summary>
    /// <param name="backbone">Appends the backbone for a normalised [N′, 3, H, W] image value; returns its taps in the head's channel order.</param>
    /// <param name="mirror">Average with the mirror image's logits, as <see cref="HypercolumnMaps.Mirrored"/> asks (the backbone then runs on 2N images).</param>
    public static string AppendLabels(OnnxGraphBuilder graph, string pixels, Func<string, IReadOnlyList<OnnxTap>> backbone, int outputStride, HypercolumnHead head, bool mirror)
    {
        string image = OnnxImageNet.Normalize(graph, pixels);
        string GridLogits(string input) => OnnxHypercolumnHead.AppendGridLogits(graph, backbone(input), input, outputStride, head);
        string logits = mirror ? OnnxMirroring.AverageWithMirror(graph, image, GridLogits) : GridLogits(image);
        return OnnxPrediction.Labels(graph, logits, image);
    }
}
