using SkiaSharp;
using SkiaSharp.HarfBuzz;

namespace Segmentation.ML.Visualization;

/// <summary>
/// The one typeface of every figure's text: DejaVu Sans cut to Latin, Greek and Cyrillic, embedded in the library
/// (made by <c>scripts/fonts/make_figure_font.sh</c>; its licence is beside it). It is loaded from the assembly, never
/// looked up among installed fonts: SkiaSharp's Linux build finds fonts only under /usr/share/fonts, so on a machine
/// without any (Debian minimal) a looked-up typeface is empty and draws nothing. Figures therefore read, measure and
/// lay out the same everywhere. Text is shaped by HarfBuzz (kerning) in pixels and in SVG alike; characters outside
/// the cut show as the font's empty box.
/// </summary>
internal static class FigureFont
{
    /// <summary>The family SVG text asks for, with fallbacks for viewers without DejaVu Sans (glyph positions are fixed, so only glyph shapes change).</summary>
    public const string CssFamily = "'DejaVu Sans', Verdana, Arial, sans-serif";

    private static readonly Lazy<(SKTypeface Typeface, SKShaper Shaper)> Loaded = new(Load);

    // HarfBuzz fonts may be shared, but SKShaper keeps no promise about threads: shape one text at a time.
    private static readonly Lock Shaping = new();

    /// <summary>The embedded typeface.</summary>
    public static SKTypeface Typeface => Loaded.Value.Typeface;

    /// <summary>An antialiased, unhinted fill paint of the figure font (the caller disposes it).</summary>
    public static SKPaint Paint(float size, SKColor color) => new()
    {
        Typeface = Typeface,
        TextSize = size,
        Color = color,
        IsAntialias = true,
        SubpixelText = true,
        HintingLevel = SKPaintHinting.NoHinting,
        Style = SKPaintStyle.Fill,
    };

    /// <summary>The shaped width of one line of <paramref name="text"/> at <paramref name="size"/>.</summary>
    public static float Width(string text, float size)
    {
        using var paint = Paint(size, SKColors.Black);
        return Width(text, paint);
    }

    /// <summary>The shaped width of one line of <paramref name="text"/> in <paramref name="paint"/>'s size.</summary>
    public static float Width(string text, SKPaint paint)
    {
        if (text.Length == 0) return 0;
        lock (Shaping) return Loaded.Value.Shaper.Shape(text, paint).Width;
    }

    /// <summary>Ascent (negative: above the baseline), descent, cap height and line spacing at <paramref name="size"/>.</summary>
    public static (float Ascent, float Descent, float CapHeight, float LineSpacing) Metrics(float size)
    {
        using var paint = Paint(size, SKColors.Black);
        float spacing = paint.GetFontMetrics(out var metrics);
        return (metrics.Ascent, metrics.Descent, metrics.CapHeight, spacing);
    }

    /// <summary>Draws one line of shaped text starting at <paramref name="x"/> on the baseline <paramref name="baseline"/>.</summary>
    public static void Draw(SKCanvas canvas, string text, float x, float baseline, SKPaint paint)
    {
        if (text.Length == 0) return;
        lock (Shaping) canvas.DrawShapedText(Loaded.Value.Shaper, text, x, baseline, paint);
    }

    /// <summary>
    /// Draws one line of <see cref="Theme.TextSize"/> text whose capitals are centred in the band from <paramref name="top"/>
    /// of <paramref name="height"/> units: how pictures place captions, titles and legend names.
    /// </summary>
    public static void DrawInBand(SKCanvas canvas, string text, float x, float top, float height, SKColor color)
    {
        using var paint = Paint(Theme.TextSize, color);
        float capHeight = paint.FontMetrics.CapHeight;
        Draw(canvas, text, x, top + (height + capHeight) / 2, paint);
    }

    private static (SKTypeface, SKShaper) Load()
    {
        const string resource = "Segmentation.ML.figure-font.ttf";
        using var stream = typeof(FigureFont).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The figure font '{resource}' is missing from {typeof(FigureFont).Assembly.GetName().Name}; rebuild the library.");
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        // A copy that the typeface owns: Skia reads glyphs from it long after this method returns.
        var typeface = SKTypeface.FromData(SKData.CreateCopy(bytes.ToArray()));
        if (typeface is null || typeface.GlyphCount == 0)
            throw new InvalidOperationException($"SkiaSharp could not read the figure font '{resource}'.");
        return (typeface, new SKShaper(typeface));
    }
}
