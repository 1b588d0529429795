namespace Segmentation.ML.Models;

/// <summary>
/// What turns an 8-bit RGB image into the input a backbone's weights were trained on. torchvision's networks
/// expect ImageNet's per-channel standardisation (<see cref="ImageNetNormalization"/>); the ResNet-18 that
/// ML.NET's DnnImageFeaturizer package ships expects BGR planes minus a mean image (<see cref="MeanImageNormalization"/>).
/// Each has a C# form here and an ONNX form (<c>Onnx.OnnxInputNormalization</c>) that compute the same values.
/// </summary>
internal abstract class InputNormalization
{
    /// <summary>One line for messages and metadata, e.g. "ImageNet mean/std".</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Interleaved 8-bit RGB (height × width × 3) to the network's planar float input [3, height, width].
    /// </summary>
    /// <exception cref="Tensors.TensorShapeException">A length does not equal 3 × height × width.</exception>
    public abstract void Normalize(ReadOnlySpan<byte> rgb, int height, int width, Span<float> chw);

    /// <summary>Checks the lengths every normalisation takes.</summary>
    protected static void CheckLengths(ReadOnlySpan<byte> rgb, int height, int width, Span<float> chw)
    {
        long pixels = (long)height * width;
        if (height < 1 || width < 1 || rgb.Length != 3 * pixels)
            throw new Tensors.TensorShapeException($"The RGB image must have {3 * pixels} bytes for {height}×{width}; it has {rgb.Length}.", nameof(rgb));
        if (chw.Length != 3 * pixels)
            throw new Tensors.TensorShapeException($"The output must have {3 * pixels} values for 3×{height}×{width}; it has {chw.Length}.", nameof(chw));
    }
}
