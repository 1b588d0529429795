namespace Segmentation.ML.Models;

/// <summary>torchvision's preprocessing: RGB planes, ((v / 255) − mean) / std per channel (see <see cref="ImageNet"/>).</summary>
internal sealed class ImageNetNormalization : InputNormalization
{
    private ImageNetNormalization()
    {
    }

    /// <summary>The one instance.</summary>
    public static ImageNetNormalization Instance { get; } = new();

    /// <inheritdoc />
    public override string Description => "RGB, ImageNet mean/std";

    /// <inheritdoc />
    public override void Normalize(ReadOnlySpan<byte> rgb, int height, int width, Span<float> chw) => ImageNet.Normalize(rgb, height, width, chw);
}
