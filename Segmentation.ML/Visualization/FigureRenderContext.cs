using OxyPlot;
using OxyPlot.SkiaSharp;
using SkiaSharp;

namespace Segmentation.ML.Visualization;

/// <summary>
/// OxyPlot's SkiaSharp renderer with its text in <see cref="FigureFont"/>. <see cref="SkiaRenderContext"/> (what
/// OxyPlot.SkiaSharp's PngExporter and SvgExporter use) looks typefaces up by family name among installed fonts, which
/// draws no text at all where none are installed; this context passes every shape to it and draws and measures text
/// itself. Text is measured at its unscaled size, so a chart lays out the same at every pixel scale and in SVG.
/// </summary>
internal sealed class FigureRenderContext(SkiaRenderContext inner) : IRenderContext
{
    private SKCanvas Canvas => inner.SkCanvas;

    private float Scale => inner.DpiScale;

    public bool RendersToScreen => inner.RendersToScreen;

    public int ClipCount => inner.ClipCount;

    public void DrawText(ScreenPoint p, string text, OxyColor fill, string? fontFamily = null, double fontSize = 10, double fontWeight = 400, double rotation = 0,
        HorizontalAlignment horizontalAlignment = HorizontalAlignment.Left, VerticalAlignment verticalAlignment = VerticalAlignment.Top, OxySize? maxSize = null)
    {
        if (string.IsNullOrEmpty(text) || !fill.IsVisible()) return;
        using var paint = FigureFont.Paint((float)fontSize * Scale, new SKColor(fill.R, fill.G, fill.B, fill.A));
        var lines = Lines(text);
        float spacing = paint.GetFontMetrics(out var metrics);
        // As SkiaRenderContext aligns: the block of lines hangs from, centres on or stands on the point.
        float y = verticalAlignment switch
        {
            VerticalAlignment.Top => -metrics.Ascent,
            VerticalAlignment.Middle => -(metrics.Ascent + metrics.Descent + spacing * (lines.Length - 1)) / 2,
            _ => -metrics.Descent - spacing * (lines.Length - 1),
        };
        using var restore = new SKAutoCanvasRestore(Canvas);
        Canvas.Translate((float)p.X * Scale, (float)p.Y * Scale);
        Canvas.RotateDegrees((float)rotation);
        foreach (string line in lines)
        {
            float width = FigureFont.Width(line, paint);
            float x = horizontalAlignment switch
            {
                HorizontalAlignment.Left => 0,
                HorizontalAlignment.Center => -width / 2,
                _ => -width,
            };
            FigureFont.Draw(Canvas, line, x, y, paint);
            y += spacing;
        }
    }

    public OxySize MeasureText(string text, string? fontFamily = null, double fontSize = 10, double fontWeight = 500)
    {
        if (string.IsNullOrEmpty(text)) return OxySize.Empty;
        var lines = Lines(text);
        float size = (float)fontSize;
        return new OxySize(lines.Max(line => FigureFont.Width(line, size)), FigureFont.Metrics(size).LineSpacing * lines.Length);
    }

    public void DrawEllipse(OxyRect extents, OxyColor fill, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode) =>
        inner.DrawEllipse(extents, fill, stroke, thickness, edgeRenderingMode);

    public void DrawEllipses(IList<OxyRect> extents, OxyColor fill, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode) =>
        inner.DrawEllipses(extents, fill, stroke, thickness, edgeRenderingMode);

    public void DrawLine(IList<ScreenPoint> points, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode, double[]? dashArray = null, LineJoin lineJoin = LineJoin.Miter) =>
        inner.DrawLine(points, stroke, thickness, edgeRenderingMode, dashArray, lineJoin);

    public void DrawLineSegments(IList<ScreenPoint> points, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode, double[]? dashArray = null, LineJoin lineJoin = LineJoin.Miter) =>
        inner.DrawLineSegments(points, stroke, thickness, edgeRenderingMode, dashArray, lineJoin);

    public void DrawPolygon(IList<ScreenPoint> points, OxyColor fill, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode, double[]? dashArray = null, LineJoin lineJoin = LineJoin.Miter) =>
        inner.DrawPolygon(points, fill, stroke, thickness, edgeRenderingMode, dashArray, lineJoin);

    public void DrawPolygons(IList<IList<ScreenPoint>> polygons, OxyColor fill, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode, double[]? dashArray = null, LineJoin lineJoin = LineJoin.Miter) =>
        inner.DrawPolygons(polygons, fill, stroke, thickness, edgeRenderingMode, dashArray, lineJoin);

    public void DrawRectangle(OxyRect rectangle, OxyColor fill, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode) =>
        inner.DrawRectangle(rectangle, fill, stroke, thickness, edgeRenderingMode);

    public void DrawRectangles(IList<OxyRect> rectangles, OxyColor fill, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode) =>
        inner.DrawRectangles(rectangles, fill, stroke, thickness, edgeRenderingMode);

    public void DrawImage(OxyImage source, double srcX, double srcY, double srcWidth, double srcHeight, double destX, double destY, double destWidth, double destHeight, double opacity, bool interpolate) =>
        inner.DrawImage(source, srcX, srcY, srcWidth, srcHeight, destX, destY, destWidth, destHeight, opacity, interpolate);

    public void PushClip(OxyRect clippingRectangle) => inner.PushClip(clippingRectangle);

    public void PopClip() => inner.PopClip();

    public void SetToolTip(string text) => inner.SetToolTip(text);

    public void CleanUp() => inner.CleanUp();

    private static string[] Lines(string text) => text.Split(["\r\n", "\n"], StringSplitOptions.None);
}
