namespace Segmentation.ML.Onnx;

/// <summary>
/// Test-time mirroring as <see cref="Hypercolumns.DenseHead.Scores"/> does it: the grid
/// logits of the image and of its left–right mirror image, the latter flipped back, averaged.
/// </summary>
internal static class OnnxMirroring
{
    /// <summary>
    /// Appends flip(image), runs <paramref name="gridLogits"/> on both and returns (logits + flip(mirrored logits))·½,
    /// [N, C, h, w]. <paramref name="gridLogits"/> maps an [N′, 3, H, W] image value to its grid logits; it is
    /// called once, on the batch of the N images followed by their N mirror images, so the backbone's weights
    /// enter the graph once and run as one batch.
    /// </summary>
    public static string AverageWithMirror(OnnxGraphBuilder graph, string image, Func<string, string> gridLogits)
    {
        // Slice backwards along the width: from the last column (−1) past the first (int64's minimum), step −1.
        string[] flip =
        [
            graph.Int64Constant("mirror.starts", [-1]), graph.Int64Constant("mirror.ends", [long.MinValue]),
            graph.Int64Constant("mirror.axes", [3]), graph.Int64Constant("mirror.steps", [-1]),
        ];
        string Flip(string value) => graph.Op("Slice", [value, .. flip]);

        string batch = graph.Op("Concat", [image, Flip(image)], ("axis", 0L));
        // Without split sizes, Split cuts the 2N batch into two equal halves, whatever N is at run time.
        var halves = graph.Op("Split", [gridLogits(batch)], 2, ("axis", 0L));
        string sum = graph.Op("Add", [halves[0], Flip(halves[1])]);
        return graph.Op("Mul", [sum, graph.Constant("mirror.half", [0.5f])]);
    }
}
