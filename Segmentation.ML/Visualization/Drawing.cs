using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>Where a text's anchor point sits along its reading direction.</summary>
internal enum TextAnchor
{
    Start,
    Middle,
    End,
}

/// <summary>One element of a <see cref="Drawing"/>, in drawing units (one unit is one pixel at raster scale 1).</summary>
internal abstract record Shape
{
    /// <summary>A role written as the SVG element's class (e.g. "bar", "series"), so readers and tests can find elements.</summary>
    public string? Role { get; init; }

    /// <summary>What the element stands for (a class or series name), written as <c>data-name</c> and a tooltip.</summary>
    public string? Name { get; init; }
}

/// <summary>An axis-aligned rectangle, filled and/or outlined with a one-unit stroke.</summary>
internal sealed record RectShape(double X, double Y, double Width, double Height, Rgb24? Fill, Rgb24? Stroke = null) : Shape;

/// <summary>A straight line; dashed lines alternate 4 units drawn and 3 skipped.</summary>
internal sealed record LineShape(double X1, double Y1, double X2, double Y2, Rgb24 Stroke, double Thickness = 1, bool Dashed = false) : Shape;

/// <summary>Connected line segments through the points.</summary>
internal sealed record PolylineShape(IReadOnlyList<(double X, double Y)> Points, Rgb24 Stroke, double Thickness = 2) : Shape;

/// <summary>A filled disc (a data-point marker).</summary>
internal sealed record CircleShape(double X, double Y, double Radius, Rgb24 Fill) : Shape;

/// <summary>
/// Text in the 5×7 font at <paramref name="Scale"/> (1: 6 units per character, 7 tall). Horizontal text: the anchor
/// point is at (X, Y) with Y the top of the glyphs. Vertical text reads upwards with the glyph tops at X and the anchor at Y.
/// </summary>
internal sealed record TextShape(double X, double Y, string Text, Rgb24 Color, int Scale = 1, TextAnchor Anchor = TextAnchor.Start, bool Vertical = false) : Shape
{
    /// <summary>Extent along the reading direction, in drawing units.</summary>
    public double Length => BitmapFont.MeasureWidth(Text) * Scale;

    /// <summary>Where the text starts along its reading direction (x for horizontal text, y of its lower end for vertical text).</summary>
    public double Start => Anchor switch
    {
        TextAnchor.Middle => (Vertical ? Y + Length / 2 : X - Length / 2),
        TextAnchor.End => Vertical ? Y + Length : X - Length,
        _ => Vertical ? Y : X,
    };
}

/// <summary>A raster image placed with its top-left corner at (X, Y), each pixel a <paramref name="Magnification"/>² block.</summary>
internal sealed record ImageShape(double X, double Y, RgbImage Image, int Magnification = 1) : Shape;

/// <summary>
/// A picture as a list of shapes on a white canvas, written both as SVG (<see cref="SvgWriter"/>) and as pixels
/// (<see cref="Rasterizer"/>), so the two formats of a figure are the same drawing.
/// </summary>
internal sealed class Drawing(int width, int height)
{
    private readonly List<Shape> shapes = [];

    /// <summary>Canvas width in drawing units.</summary>
    public int Width { get; } = width > 0 ? width : throw new ArgumentOutOfRangeException(nameof(width));

    /// <summary>Canvas height in drawing units.</summary>
    public int Height { get; } = height > 0 ? height : throw new ArgumentOutOfRangeException(nameof(height));

    /// <summary>Shapes in painting order.</summary>
    public IReadOnlyList<Shape> Shapes => shapes;

    /// <summary>Appends a shape (painted over the earlier ones) and returns it.</summary>
    public T Add<T>(T shape) where T : Shape
    {
        shapes.Add(shape);
        return shape;
    }
}
