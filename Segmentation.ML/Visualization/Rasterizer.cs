using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>
/// Paints a <see cref="Drawing"/> into an <see cref="RgbImage"/>: no anti-aliasing, so every rectangle, swatch and
/// image pixel keeps its exact colour. At scale s one drawing unit is s×s pixels.
/// </summary>
internal static class Rasterizer
{
    private const double DashOn = 4, DashOff = 3;

    public static RgbImage Render(Drawing drawing, int scale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scale, 8);
        var image = new RgbImage(drawing.Width * scale, drawing.Height * scale);
        Fill(image, 0, 0, image.Width, image.Height, Theme.Background);
        foreach (var shape in drawing.Shapes)
        {
            switch (shape)
            {
                case RectShape r:
                    int x0 = Px(r.X, scale), y0 = Px(r.Y, scale), x1 = Px(r.X + r.Width, scale), y1 = Px(r.Y + r.Height, scale);
                    if (r.Fill is Rgb24 fill) Fill(image, x0, y0, x1, y1, fill);
                    if (r.Stroke is Rgb24 stroke)
                    {
                        Fill(image, x0, y0, x1, y0 + scale, stroke);
                        Fill(image, x0, y1 - scale, x1, y1, stroke);
                        Fill(image, x0, y0, x0 + scale, y1, stroke);
                        Fill(image, x1 - scale, y0, x1, y1, stroke);
                    }
                    break;
                case LineShape l:
                    Line(image, l.X1 * scale, l.Y1 * scale, l.X2 * scale, l.Y2 * scale, l.Stroke, l.Thickness * scale, l.Dashed ? scale : 0);
                    break;
                case PolylineShape p:
                    for (int i = 1; i < p.Points.Count; i++)
                        Line(image, p.Points[i - 1].X * scale, p.Points[i - 1].Y * scale, p.Points[i].X * scale, p.Points[i].Y * scale, p.Stroke, p.Thickness * scale, 0);
                    break;
                case CircleShape c:
                    Disc(image, c.X * scale, c.Y * scale, c.Radius * scale, c.Fill);
                    break;
                case TextShape t:
                    if (t.Vertical) BitmapFont.Draw(image, Px(t.X, scale), Px(t.Start, scale), t.Text, t.Color, t.Scale * scale, vertical: true);
                    else BitmapFont.Draw(image, Px(t.Start, scale), Px(t.Y, scale), t.Text, t.Color, t.Scale * scale);
                    break;
                case ImageShape m:
                    Blit(image, Px(m.X, scale), Px(m.Y, scale), m.Image, m.Magnification * scale);
                    break;
                default:
                    throw new NotSupportedException($"No rasterizer for {shape.GetType().Name}.");
            }
        }
        return image;
    }

    private static int Px(double units, int scale) => (int)Math.Round(units * scale, MidpointRounding.AwayFromZero);

    private static void Fill(RgbImage image, int x0, int y0, int x1, int y1, Rgb24 color)
    {
        x0 = Math.Max(0, x0);
        y0 = Math.Max(0, y0);
        x1 = Math.Min(image.Width, x1);
        y1 = Math.Min(image.Height, y1);
        for (int y = y0; y < y1; y++)
        {
            var row = image.GetRow(y);
            for (int x = x0; x < x1; x++)
            {
                row[3 * x] = color.R;
                row[3 * x + 1] = color.G;
                row[3 * x + 2] = color.B;
            }
        }
    }

    /// <summary>A line of the given pixel thickness: a square brush stepped along it every half pixel; dashes measured in pixels of <paramref name="dashScale"/> (0: solid).</summary>
    private static void Line(RgbImage image, double x1, double y1, double x2, double y2, Rgb24 color, double thickness, int dashScale)
    {
        double length = Math.Sqrt((x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1));
        int brush = Math.Max(1, (int)Math.Round(thickness));
        int steps = Math.Max(1, (int)Math.Ceiling(length * 2));
        for (int i = 0; i <= steps; i++)
        {
            double t = (double)i / steps;
            if (dashScale > 0 && (t * length) % ((DashOn + DashOff) * dashScale) >= DashOn * dashScale) continue;
            int x = (int)Math.Floor(x1 + t * (x2 - x1) - (brush - 1) / 2.0);
            int y = (int)Math.Floor(y1 + t * (y2 - y1) - (brush - 1) / 2.0);
            Fill(image, x, y, x + brush, y + brush, color);
        }
    }

    private static void Disc(RgbImage image, double cx, double cy, double radius, Rgb24 color)
    {
        for (int y = (int)Math.Floor(cy - radius); y <= (int)Math.Ceiling(cy + radius); y++)
            for (int x = (int)Math.Floor(cx - radius); x <= (int)Math.Ceiling(cx + radius); x++)
            {
                double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                if (dx * dx + dy * dy <= radius * radius && (uint)x < (uint)image.Width && (uint)y < (uint)image.Height) image.SetPixel(x, y, color);
            }
    }

    private static void Blit(RgbImage target, int x0, int y0, RgbImage source, int magnification)
    {
        for (int y = 0; y < source.Height * magnification; y++)
        {
            int ty = y0 + y;
            if ((uint)ty >= (uint)target.Height) continue;
            var from = source.GetRow(y / magnification);
            var to = target.GetRow(ty);
            for (int x = 0; x < source.Width * magnification; x++)
            {
                int tx = x0 + x;
                if ((uint)tx >= (uint)target.Width) continue;
                int s = 3 * (x / magnification);
                to[3 * tx] = from[s];
                to[3 * tx + 1] = from[s + 1];
                to[3 * tx + 2] = from[s + 2];
            }
        }
    }
}
