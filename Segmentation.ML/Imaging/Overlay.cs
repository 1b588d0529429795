namespace Segmentation.ML.Imaging;

/// <summary>Pictures of label maps over their images.</summary>
public static class Overlay
{
    /// <summary>
    /// Each pixel halfway between the image and its class's palette colour:
    /// out = ⌊(image + colour + 1) / 2⌋ per channel. Labels without a palette entry (e.g. ignore) blend with black.
    /// </summary>
    /// <exception cref="ArgumentException">The image and the label map differ in size.</exception>
    public static RgbImage Blend(RgbImage image, LabelMap labels, Palette palette)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(palette);
        if (image.Width != labels.Width || image.Height != labels.Height)
            throw new ArgumentException($"The image is {image.Width}×{image.Height} but the label map is {labels.Width}×{labels.Height}.", nameof(labels));
        var blended = new RgbImage(image.Width, image.Height);
        ReadOnlySpan<byte> pixels = image.Pixels;
        ReadOnlySpan<byte> classes = labels.Labels;
        Span<byte> target = blended.Pixels;
        for (int i = 0; i < classes.Length; i++)
        {
            var colour = classes[i] < palette.Count ? palette[classes[i]] : default;
            target[3 * i] = (byte)((pixels[3 * i] + colour.R + 1) >> 1);
            target[3 * i + 1] = (byte)((pixels[3 * i + 1] + colour.G + 1) >> 1);
            target[3 * i + 2] = (byte)((pixels[3 * i + 2] + colour.B + 1) >> 1);
        }
        return blended;
    }
}
