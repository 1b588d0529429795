namespace Segmentation.ML.Models;

/// <summary>
/// No normalisation: the 0…255 RGB values as float planes, what ML.NET's ExtractPixels gives. The input of a
/// <see cref="CombinedLayout"/>, whose networks each normalise it their own way inside the graph.
/// </summary>
internal sealed class PixelPlanesNormalization : InputNormalization
{
    private PixelPlanesNormalization()
    {
    }

    /// <summary>The one instance.</summary>
    public static PixelPlanesNormalization Instance { get; } = new();

    /// <inheritdoc />
    public override string Description => "RGB 0…255, each network normalising its own copy";

    /// <inheritdoc />
    public override void Normalize(ReadOnlySpan<byte> rgb, int height, int width, Span<float> chw)
    {
        CheckLengths(rgb, height, width, chw);
        int pixels = height * width;
        for (int p = 0; p < pixels; p++)
            for (int c = 0; c < 3; c++)
                chw[c * pixels + p] = rgb[3 * p + c];
    }
}
