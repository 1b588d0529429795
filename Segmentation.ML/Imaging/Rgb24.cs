namespace Segmentation.ML.Imaging;

/// <summary>An 8-bit-per-channel RGB colour.</summary>
/// <param name="R">Red, 0..255.</param>
/// <param name="G">Green, 0..255.</param>
/// <param name="B">Blue, 0..255.</param>
public readonly record struct Rgb24(byte R, byte G, byte B)
{
    /// <summary>Formats the colour as <c>(r, g, b)</c>.</summary>
    public override string ToString() => $"({R}, {G}, {B})";

    internal int Packed => (R << 16) | (G << 8) | B;
}
