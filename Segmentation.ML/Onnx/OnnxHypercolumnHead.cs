using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Onnx;

/// <summary>
/// Appends a trained <see cref="HypercolumnHead"/> to a graph, run as <see cref="DenseHead"/> runs it: the
/// normalisation folded into the first layer, that layer factorised per tap (each tap projected at the
/// cheaper of its own resolution and the output grid, then resized to the grid and summed), the remaining
/// layers as matrix products over the grid's cells. The grid, ⌈H/s⌉ × ⌈W/s⌉, is computed inside the
/// graph from the image's shape, so one graph serves every image size.
/// </summary>
internal static class OnnxHypercolumnHead
{
    /// <summary>
    /// Appends the head; returns the grid logits [N, C, ⌈H/s⌉, ⌈W/s⌉] (float).
    /// </summary>
    /// <param name="taps">The backbone activations in the order of the head's input channels.</param>
    /// <param name="image">Any [N, ·, H, W] value of the image the taps came from; only its shape is read.</param>
    /// <param name="outputStride">s: image pixels per grid cell along each axis.</param>
    /// <exception cref="TensorShapeException">The taps' channels do not add up to the head's input size.</exception>
    public static string AppendGridLogits(OnnxGraphBuilder graph, IReadOnlyList<OnnxTap> taps, string image, int outputStride, HypercolumnHead head)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputStride, 1);
        int z = head.InputSize, hidden = head.Sizes[1];
        if (taps.Sum(t => t.Channels) != z)
            throw new TensorShapeException($"The head takes {z}-long hypercolumns; the taps ({string.Join(", ", taps.Select(t => $"{t.Value}: {t.Channels}"))}) have {taps.Sum(t => t.Channels)} channels.", nameof(taps));

        var (weight, bias) = head.FoldedFirstLayer();
        string grid = GridSize(graph, image, outputStride);

        // As DenseHead: a tap at least as fine as the grid is resampled to it first (interpolating its few
        // channels is cheaper than interpolating `hidden` projected ones); a coarser tap is projected at its
        // own resolution (fewer cells to multiply) and the projection resized. Interpolation is linear, so both
        // orders compute W′·interp(F). The stride decides, because the sizes are only known at run time.
        var offsets = new int[taps.Count];
        for (int t = 1; t < taps.Count; t++) offsets[t] = offsets[t - 1] + taps[t - 1].Channels;
        var fine = Enumerable.Range(0, taps.Count).Where(t => taps[t].Stride <= outputStride).ToList();
        var coarse = Enumerable.Range(0, taps.Count).Where(t => taps[t].Stride > outputStride).OrderByDescending(t => taps[t].Stride).ToList();

        // The bias joins the coarsest projection, where it costs fewest additions, and the resize carries it to
        // every cell (its coefficients sum to 1): ONNX Runtime's Sum of four [1, 1024, 90, 120] terms took about a
        // third more CPU time with the bias as a fifth, broadcast input.
        string biasValue = graph.Constant("head.layers.0.bias", bias, hidden, 1, 1);
        var terms = new List<string>();
        foreach (int t in coarse)
        {
            string projection = Project(graph, taps[t].Value, Columns(weight, z, hidden, [(offsets[t], taps[t].Channels)]), taps[t].Channels, hidden);
            if (terms.Count == 0) projection = graph.Op("Add", [projection, biasValue]);
            terms.Add(ResizeToGrid(graph, projection, grid));
        }
        if (fine.Count > 0)
        {
            // One product over the grid-resolution taps' channels together sums the same terms as one per tap,
            // without a [N, hidden, cells] temporary and an addition for each.
            var resized = fine.Select(t => ResizeToGrid(graph, taps[t].Value, grid)).ToArray();
            string stacked = resized.Length == 1 ? resized[0] : graph.Op("Concat", resized, ("axis", 1L));
            var columns = Columns(weight, z, hidden, fine.Select(t => (offsets[t], taps[t].Channels)).ToArray());
            string projection = Project(graph, stacked, columns, fine.Sum(t => taps[t].Channels), hidden);
            terms.Add(coarse.Count == 0 ? graph.Op("Add", [projection, biasValue]) : projection);
        }
        string first = terms.Count == 1 ? terms[0] : graph.Op("Sum", terms.ToArray());
        if (head.LayerCount == 1) return first;

        string cells = graph.Op("Relu", [graph.Op("Reshape", [first, graph.Int64Constant("head.cells_shape", [0, hidden, -1])])]);
        for (int l = 1; l < head.LayerCount; l++)
        {
            int fanOut = head.Sizes[l + 1];
            string product = graph.Op("MatMul", [graph.Constant($"head.layers.{l}.weight", head.Weights[l], fanOut, head.Sizes[l]), cells]);
            cells = graph.Op("Add", [product, graph.Constant($"head.layers.{l}.bias", head.Biases[l], fanOut, 1)]);
            if (l < head.LayerCount - 1) cells = graph.Op("Relu", [cells]);
        }
        string logitsShape = graph.Op("Concat", [graph.Int64Constant("head.logits_shape", [0, head.Classes]), grid], ("axis", 0L));
        return graph.Op("Reshape", [cells, logitsShape]);
    }

    /// <summary>[⌈H/s⌉, ⌈W/s⌉] (int64) from the image's shape.</summary>
    private static string GridSize(OnnxGraphBuilder graph, string image, int outputStride)
    {
        string size = graph.Op("Shape", [image], ("start", 2L), ("end", 4L));
        string roundedUp = graph.Op("Add", [size, graph.Int64Constant("head.stride_minus_one", [outputStride - 1])]);
        return graph.Op("Div", [roundedUp, graph.Int64Constant("head.output_stride", [outputStride])]);
    }

    /// <summary>
    /// Bilinear resize of [N, c, h, w] to the grid, as PyTorch's <c>interpolate(align_corners=False)</c>:
    /// ONNX's half_pixel (not pytorch_half_pixel, which samples the first row instead of the centre when a
    /// side becomes 1).
    /// </summary>
    private static string ResizeToGrid(OnnxGraphBuilder graph, string value, string grid)
    {
        string sizes = graph.Op("Concat", [graph.Op("Shape", [value], ("end", 2L)), grid], ("axis", 0L));
        return graph.Op("Resize", [value, "", "", sizes], ("mode", "linear"), ("coordinate_transformation_mode", "half_pixel"));
    }

    /// <summary>
    /// W [hidden, c] · value [N, c, h, w] → [N, hidden, h, w], as a MatMul over [N, c, h·w] (ONNX Runtime,
    /// at the optimisation level ML.NET runs it, was measured faster on MatMul than on the 1×1 Conv form).
    /// </summary>
    private static string Project(OnnxGraphBuilder graph, string value, float[] weight, int channels, int hidden)
    {
        string flat = graph.Op("Reshape", [value, graph.Int64Constant("head.flat_shape", [0, channels, -1])]);
        string product = graph.Op("MatMul", [graph.Constant("head.layers.0.weight", weight, hidden, channels), flat]);
        string shape = graph.Op("Concat", [graph.Int64Constant("head.projection_channels", [0, hidden]), graph.Op("Shape", [value], ("start", 2L))], ("axis", 0L));
        return graph.Op("Reshape", [product, shape]);
    }

    /// <summary>The given column ranges of a row-major [rows, width] matrix, side by side.</summary>
    private static float[] Columns(float[] matrix, int width, int rows, (int Offset, int Count)[] ranges)
    {
        int count = ranges.Sum(r => r.Count);
        var result = new float[rows * count];
        for (int row = 0; row < rows; row++)
        {
            int target = row * count;
            foreach (var (start, length) in ranges)
            {
                matrix.AsSpan(row * width + start, length).CopyTo(result.AsSpan(target));
                target += length;
            }
        }
        return result;
    }
}
