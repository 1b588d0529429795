using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>The colours every figure shares.</summary>
internal static class Theme
{
    public static readonly Rgb24 Background = new(255, 255, 255);
    public static readonly Rgb24 Text = new(33, 33, 33);
    public static readonly Rgb24 Muted = new(110, 110, 110);
    public static readonly Rgb24 Axis = new(90, 90, 90);
    public static readonly Rgb24 Grid = new(225, 225, 225);
    public static readonly Rgb24 Empty = new(236, 236, 236);

    /// <summary>Line colours for series, in matplotlib's tab10 order, which readers know.</summary>
    public static readonly Rgb24[] Series = [new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(148, 103, 189), new(214, 39, 40), new(140, 86, 75)];
}
