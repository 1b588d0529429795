using Segmentation.ML.Tensors;

namespace Segmentation.ML.Models;

/// <summary>
/// CNTK's preprocessing, as ML.NET's DnnImageFeaturizer ResNet-18 package ships it in <c>ResNetPreprocess.onnx</c>:
/// the 0…255 planes in reversed channel order (BGR), minus a mean image [3, h, w] stored in that order. At the mean
/// image's own size (224×224 there) this is exactly the package's computation, one float subtraction per value;
/// other sizes subtract the mean image resized bilinearly to the image (PyTorch's <c>align_corners=False</c>, as
/// <see cref="Resize.Bilinear"/> and ONNX's Resize with <c>half_pixel</c> compute it), so the network sees what
/// its mean would be had its training images been that size.
/// </summary>
internal sealed class MeanImageNormalization : InputNormalization
{
    private volatile ResizedMean? lastResized;

    /// <param name="mean">The mean image [3, height, width] in the network's channel order.</param>
    /// <param name="height">Its height.</param>
    /// <param name="width">Its width.</param>
    /// <param name="reverseChannels">True when the network takes BGR: channel c of its input is RGB channel 2 − c.</param>
    /// <exception cref="ArgumentException">The mean's length is not 3 × height × width, or a value is not finite.</exception>
    public MeanImageNormalization(float[] mean, int height, int width, bool reverseChannels)
    {
        ArgumentNullException.ThrowIfNull(mean);
        if (height < 1 || width < 1 || mean.Length != 3L * height * width)
            throw new ArgumentException($"The mean image must be [3, {height}, {width}] = {3L * height * width} values; it has {mean.Length}.", nameof(mean));
        if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(mean))
            throw new ArgumentException("The mean image has values that are not finite.", nameof(mean));
        Mean = mean;
        Height = height;
        Width = width;
        ReverseChannels = reverseChannels;
    }

    /// <summary>The mean image [3, <see cref="Height"/>, <see cref="Width"/>] in the network's channel order.</summary>
    public float[] Mean { get; }

    /// <summary>The mean image's height.</summary>
    public int Height { get; }

    /// <summary>The mean image's width.</summary>
    public int Width { get; }

    /// <summary>True when the network takes BGR planes.</summary>
    public bool ReverseChannels { get; }

    /// <inheritdoc />
    public override string Description => $"{(ReverseChannels ? "BGR" : "RGB")} 0…255 minus a {Width}×{Height} mean image";

    /// <inheritdoc />
    public override void Normalize(ReadOnlySpan<byte> rgb, int height, int width, Span<float> chw)
    {
        CheckLengths(rgb, height, width, chw);
        var mean = MeanAt(height, width);
        int pixels = height * width;
        for (int c = 0; c < 3; c++)
        {
            int source = ReverseChannels ? 2 - c : c;
            var plane = chw.Slice(c * pixels, pixels);
            var meanPlane = mean.AsSpan(c * pixels, pixels);
            for (int p = 0; p < pixels; p++) plane[p] = rgb[3 * p + source] - meanPlane[p];
        }
    }

    /// <summary>The mean image at the given size: itself at its own size, else resized bilinearly (the last size is kept).</summary>
    internal float[] MeanAt(int height, int width)
    {
        if (height == Height && width == Width) return Mean;
        if (lastResized is { } last && last.Height == height && last.Width == width) return last.Values;
        var resized = new float[3 * height * width];
        Resize.Bilinear(Mean, 3, Height, Width, resized, height, width);
        lastResized = new ResizedMean(height, width, resized);
        return resized;
    }

    private sealed record ResizedMean(int Height, int Width, float[] Values);
}
