using Onnx;

namespace Segmentation.ML.Onnx;

/// <summary>
/// From grid logits to what <see cref="Hypercolumns.DenseHead"/> predicts: the scores
/// resized bilinearly to the image, then the best class of every pixel.
/// </summary>
internal static class OnnxPrediction
{
    /// <summary>Class scores [N, C, H, W]: <paramref name="gridLogits"/> [N, C, h, w] resized to the size of <paramref name="image"/> [N, ·, H, W].</summary>
    public static string Scores(OnnxGraphBuilder graph, string gridLogits, string image)
    {
        string sizes = graph.Op("Concat", [graph.Op("Shape", [gridLogits], ("end", 2L)), graph.Op("Shape", [image], ("start", 2L), ("end", 4L))], ("axis", 0L));
        // half_pixel is PyTorch's align_corners=False, as Resize.Bilinear computes it.
        return graph.Op("Resize", [gridLogits, "", "", sizes], ("mode", "linear"), ("coordinate_transformation_mode", "half_pixel"));
    }

    /// <summary>
    /// Labels [N, H, W] (uint32, ML.NET's key type) of the scores' arg-max over classes; ties go to the lower
    /// class, as in <see cref="Tensors.ChannelOps.Argmax"/>.
    /// </summary>
    public static string Labels(OnnxGraphBuilder graph, string gridLogits, string image)
    {
        string best = graph.Op("ArgMax", [Scores(graph, gridLogits, image)], ("axis", 1L), ("keepdims", 0L));
        return graph.Op("Cast", [best], ("to", (long)TensorProto.Types.DataType.Uint32));
    }
}
