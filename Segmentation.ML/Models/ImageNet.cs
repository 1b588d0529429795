namespace Segmentation.ML.Models;

/// <summary>The preprocessing every ImageNet-pretrained torchvision model expects.</summary>
public static class ImageNet
{
    /// <summary>Per-channel mean of RGB in [0, 1].</summary>
    public static readonly float[] Mean = [0.485f, 0.456f, 0.406f];

    /// <summary>Per-channel standard deviation of RGB in [0, 1].</summary>
    public static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    /// <summary>
    /// Converts interleaved 8-bit RGB (height × width × 3) to planar float [3, height, width] with
    /// ((v / 255) − mean) / std per channel.
    /// </summary>
    /// <exception cref="Tensors.TensorShapeException">A length does not equal 3 × height × width.</exception>
    public static void Normalize(ReadOnlySpan<byte> rgb, int height, int width, Span<float> chw)
    {
        int pixels = height * width;
        if (rgb.Length != 3 * pixels)
            throw new Tensors.TensorShapeException($"The RGB image must have {3 * pixels} bytes for {height}×{width}; it has {rgb.Length}.", nameof(rgb));
        if (chw.Length != 3 * pixels)
            throw new Tensors.TensorShapeException($"The output must have {3 * pixels} values for 3×{height}×{width}; it has {chw.Length}.", nameof(chw));
        Span<float> scale = stackalloc float[3];
        Span<float> offset = stackalloc float[3];
        for (int c = 0; c < 3; c++) (scale[c], offset[c]) = PixelAffine(c);
        for (int p = 0; p < pixels; p++)
            for (int c = 0; c < 3; c++)
                chw[c * pixels + p] = rgb[3 * p + c] * scale[c] + offset[c];
    }

    /// <summary>
    /// The normalisation of channel <paramref name="channel"/> as one multiply-add on 0…255 values: v·scale + offset
    /// = (v/255 − mean)/std. Shared with the ONNX graphs, so both round the same constants.
    /// </summary>
    internal static (float Scale, float Offset) PixelAffine(int channel) => (1f / (255f * Std[channel]), -Mean[channel] / Std[channel]);
}
