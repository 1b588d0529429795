using Segmentation.ML.Models;

namespace Segmentation.ML.Onnx;

/// <summary>A backbone's <see cref="InputNormalization"/> as a graph prefix, computing what its C# form computes.</summary>
internal static class OnnxInputNormalization
{
    /// <summary>
    /// Appends the normalisation of <paramref name="pixels"/> [N, 3, H, W] (RGB planes of 0…255 floats, as ML.NET's
    /// ExtractPixels gives them without scaling; H and W may be symbolic); returns the network's input [N, 3, H, W].
    /// </summary>
    /// <exception cref="ArgumentException">A normalisation this writer does not know.</exception>
    public static string Append(OnnxGraphBuilder graph, InputNormalization normalization, string pixels) => normalization switch
    {
        ImageNetNormalization => OnnxImageNet.Normalize(graph, pixels),
        MeanImageNormalization mean => SubtractMeanImage(graph, mean, pixels),
        PixelPlanesNormalization => pixels,
        _ => throw new ArgumentException($"No graph form for the normalisation '{normalization.Description}'.", nameof(normalization)),
    };

    /// <summary>
    /// Reorders the channels when asked (a Gather, as CNTK's Split and Concat), resizes the mean image to the
    /// image's H × W (Resize, linear, half_pixel: the identity at the mean's own size) and subtracts it.
    /// </summary>
    private static string SubtractMeanImage(OnnxGraphBuilder graph, MeanImageNormalization normalization, string pixels)
    {
        string ordered = normalization.ReverseChannels
            ? graph.Op("Gather", [pixels, graph.Int64Constant("mean_image.channels", [2, 1, 0])], ("axis", 1L))
            : pixels;
        string mean = graph.Constant("mean_image", normalization.Mean, 1, 3, normalization.Height, normalization.Width);
        string sizes = graph.Op("Concat", [graph.Int64Constant("mean_image.batch_channels", [1, 3]), graph.Op("Shape", [pixels], ("start", 2L), ("end", 4L))], ("axis", 0L));
        string resized = graph.Op("Resize", [mean, "", "", sizes], ("mode", "linear"), ("coordinate_transformation_mode", "half_pixel"));
        return graph.Op("Sub", [ordered, resized]);
    }
}
