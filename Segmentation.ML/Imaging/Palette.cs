using System.Collections.Frozen;

namespace Segmentation.ML.Imaging;

/// <summary>
/// An immutable colour table of up to 256 entries, mapping label values to colours and back.
/// Used to write label maps as palette PNGs and to read colour-coded masks.
/// </summary>
public sealed class Palette
{
    private readonly Rgb24[] colors;
    private readonly FrozenDictionary<int, byte> indexOfColor;

    /// <summary>Creates a palette from 1..256 colours; entry i is the colour of label i.</summary>
    /// <exception cref="ArgumentException">There are no colours or more than 256.</exception>
    public Palette(IEnumerable<Rgb24> colors)
    {
        ArgumentNullException.ThrowIfNull(colors);
        this.colors = colors.ToArray();
        if (this.colors.Length is 0 or > 256)
        {
            throw new ArgumentException($"A palette holds 1..256 colours; {this.colors.Length} were given.", nameof(colors));
        }

        var index = new Dictionary<int, byte>();
        for (int i = 0; i < this.colors.Length; i++)
        {
            index.TryAdd(this.colors[i].Packed, (byte)i);
        }

        indexOfColor = index.ToFrozenDictionary();
    }

    /// <summary>
    /// The standard PASCAL VOC palette (256 entries, the devkit's bit-interleaving scheme):
    /// 0 = black background, 1 = (128, 0, 0) aeroplane, …, 255 = (224, 224, 192) boundary.
    /// </summary>
    public static Palette Voc { get; } = CreateVoc();

    /// <summary>Number of entries.</summary>
    public int Count => colors.Length;

    /// <summary>The colour of label <paramref name="index"/>.</summary>
    public Rgb24 this[int index] => colors[index];

    /// <summary>The entries in label order.</summary>
    public ReadOnlySpan<Rgb24> Colors => colors;

    /// <summary>Finds the label whose colour is <paramref name="color"/> (the lowest if several share it).</summary>
    public bool TryGetIndex(Rgb24 color, out byte index) => indexOfColor.TryGetValue(color.Packed, out index);

    /// <summary>Converts a colour-coded mask to labels.</summary>
    /// <exception cref="InvalidImageContentException">A pixel's colour is not in the palette; the message gives the colour and position.</exception>
    public LabelMap ToLabelMap(RgbImage colorMask)
    {
        ArgumentNullException.ThrowIfNull(colorMask);
        var labels = new LabelMap(colorMask.Width, colorMask.Height);
        ReadOnlySpan<byte> rgb = colorMask.Pixels;
        Span<byte> output = labels.Labels;
        int lastPacked = -1;
        byte lastIndex = 0;
        for (int i = 0; i < output.Length; i++)
        {
            int packed = (rgb[3 * i] << 16) | (rgb[3 * i + 1] << 8) | rgb[3 * i + 2];
            if (packed != lastPacked)
            {
                if (!indexOfColor.TryGetValue(packed, out lastIndex))
                {
                    throw new InvalidImageContentException(
                        $"colour ({rgb[3 * i]}, {rgb[3 * i + 1]}, {rgb[3 * i + 2]}) at ({i % colorMask.Width}, {i / colorMask.Width}) is not in the palette of {Count} colours");
                }

                lastPacked = packed;
            }

            output[i] = lastIndex;
        }

        return labels;
    }

    /// <summary>Paints each label with its colour; labels beyond the palette are painted black.</summary>
    public RgbImage Colorize(LabelMap labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var image = new RgbImage(labels.Width, labels.Height);
        ReadOnlySpan<byte> input = labels.Labels;
        Span<byte> rgb = image.Pixels;
        for (int i = 0; i < input.Length; i++)
        {
            if (input[i] < colors.Length)
            {
                Rgb24 c = colors[input[i]];
                rgb[3 * i] = c.R;
                rgb[3 * i + 1] = c.G;
                rgb[3 * i + 2] = c.B;
            }
        }

        return image;
    }

    private static Palette CreateVoc()
    {
        var colors = new Rgb24[256];
        for (int i = 0; i < 256; i++)
        {
            int r = 0, g = 0, b = 0, c = i;
            for (int bit = 7; bit >= 0; bit--)
            {
                r |= (c & 1) << bit;
                g |= ((c >> 1) & 1) << bit;
                b |= ((c >> 2) & 1) << bit;
                c >>= 3;
            }

            colors[i] = new Rgb24((byte)r, (byte)g, (byte)b);
        }

        return new Palette(colors);
    }
}
