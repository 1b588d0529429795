using OxyPlot;
using Segmentation.ML.Imaging;
using SkiaSharp;

namespace Segmentation.ML.Visualization;

/// <summary>The colours and text sizes every figure shares, and the colour conversions for OxyPlot and SkiaSharp.</summary>
internal static class Theme
{
    public static readonly Rgb24 Background = new(255, 255, 255);
    public static readonly Rgb24 Text = new(33, 33, 33);
    public static readonly Rgb24 Muted = new(110, 110, 110);
    public static readonly Rgb24 Axis = new(90, 90, 90);
    public static readonly Rgb24 Grid = new(225, 225, 225);
    public static readonly Rgb24 Empty = new(236, 236, 236);

    /// <summary>The shading of the stage-B epochs in training curves: a warm grey that no series colour is close to.</summary>
    public static readonly Rgb24 StageB = new(245, 240, 228);

    /// <summary>Line colours for series, in matplotlib's tab10 order, which readers know.</summary>
    public static readonly Rgb24[] Series = [new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(148, 103, 189), new(214, 39, 40), new(140, 86, 75)];

    /// <summary>Text size of labels, ticks and legends, in figure units (CSS pixels).</summary>
    public const float TextSize = 11;

    /// <summary>Text size of chart titles.</summary>
    public const float TitleSize = 14;

    public static OxyColor ToOxy(Rgb24 color) => OxyColor.FromRgb(color.R, color.G, color.B);

    public static SKColor ToSkia(Rgb24 color) => new(color.R, color.G, color.B);

    /// <summary>The colour as CSS writes it: #rrggbb.</summary>
    public static string ToHex(Rgb24 color) => $"#{color.R:x2}{color.G:x2}{color.B:x2}";
}
