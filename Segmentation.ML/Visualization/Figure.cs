using System.Text;
using System.Xml.Linq;
using Segmentation.ML.Imaging;
using SkiaSharp;

namespace Segmentation.ML.Visualization;

/// <summary>Paints a figure onto a SkiaSharp canvas: pixels at <paramref name="scale"/> per unit, or SVG (<paramref name="vector"/>, scale 1).</summary>
internal delegate void FigurePainter(SKCanvas canvas, float scale, bool vector);

/// <summary>
/// A picture drawn by the library — a chart, a heatmap, a side-by-side comparison, a legend — that can be written as
/// SVG or as pixels; both are painted by SkiaSharp from the same description, with the library's own typeface (so text
/// renders on machines without fonts). Charts are drawn by OxyPlot. Made by <see cref="SideBySide"/>,
/// <see cref="ClassLegend"/>, <see cref="ConfusionHeatmap"/>, <see cref="TrainingCurves"/> and <see cref="ClassCharts"/>.
/// </summary>
/// <remarks>
/// In a Polyglot notebook, show one with <c>display(HTML(figure.ToHtml()))</c>. Its SVG carries what it plots in a
/// <c>&lt;metadata&gt;</c> element (namespace <c>urn:segmentation-ml:figure</c>): one element per bar, point, cell or
/// swatch with its value, for programs that check figures.
/// </remarks>
public sealed class Figure
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private readonly FigurePainter painter;
    private readonly FigureDescription description;

    internal Figure(string title, int width, int height, FigurePainter painter, FigureDescription description, bool hasImages = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Title = title;
        Width = width;
        Height = height;
        HasImages = hasImages;
        this.painter = painter;
        this.description = description;
    }

    /// <summary>What the figure shows, used as its SVG title and the image's alternative text.</summary>
    public string Title { get; }

    /// <summary>Width in pixels at scale 1 (and in SVG user units).</summary>
    public int Width { get; }

    /// <summary>Height in pixels at scale 1 (and in SVG user units).</summary>
    public int Height { get; }

    /// <summary>Whether the figure embeds raster images (photos, label maps): then PNG is its faithful format.</summary>
    public bool HasImages { get; }

    /// <summary>The marks the figure plots (see <see cref="FigureDescription"/>).</summary>
    internal XElement Description => description.Root;

    /// <summary>The figure as pixels: <see cref="Width"/> × <paramref name="scale"/> by <see cref="Height"/> × <paramref name="scale"/>.</summary>
    /// <param name="scale">Pixels per unit, 1 to 8 (2 for crisp text on high-density screens).</param>
    /// <exception cref="ArgumentOutOfRangeException">The scale is outside 1..8.</exception>
    public RgbImage ToImage(int scale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scale, 8);
        var info = new SKImageInfo(Width * scale, Height * scale, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(Theme.ToSkia(Theme.Background));
            painter(canvas, scale, vector: false);
        }
        // The white background leaves every pixel opaque, so premultiplied RGBA is plain RGB.
        var rgba = bitmap.GetPixelSpan();
        var image = new RgbImage(info.Width, info.Height);
        var rgb = image.Pixels;
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }
        return image;
    }

    /// <summary>
    /// The figure as a standalone SVG document (no XML declaration, so it can also be inlined in HTML), drawn by
    /// SkiaSharp's SVG canvas: text stays text, pictures are embedded PNGs. It starts with a <c>&lt;title&gt;</c> and a
    /// <c>&lt;metadata&gt;</c> describing the plotted marks.
    /// </summary>
    /// <param name="displayScale">The size the SVG asks to be shown at, relative to <see cref="Width"/> × <see cref="Height"/> (0.25 to 8); the drawing is unchanged.</param>
    /// <exception cref="ArgumentOutOfRangeException">The display scale is outside 0.25..8.</exception>
    public string ToSvg(double displayScale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(displayScale, 0.25);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(displayScale, 8);
        using var stream = new MemoryStream();
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, Width, Height), stream))
        {
            using var background = new SKPaint { Color = Theme.ToSkia(Theme.Background), Style = SKPaintStyle.Fill };
            canvas.DrawRect(0, 0, Width, Height, background);
            painter(canvas, 1, vector: true);
        }
        var svg = XDocument.Parse(Encoding.UTF8.GetString(stream.ToArray())).Root!;
        svg.SetAttributeValue("width", Units(Width * displayScale));
        svg.SetAttributeValue("height", Units(Height * displayScale));
        svg.SetAttributeValue("viewBox", $"0 0 {Width} {Height}");
        foreach (var text in svg.Descendants(Svg + "text"))
        {
            // Skia writes the typeface's family alone and indents the text; name fallbacks and keep the words only.
            text.SetAttributeValue("font-family", FigureFont.CssFamily);
            text.Value = text.Value.Trim();
        }
        svg.AddFirst(new XElement(Svg + "title", Title), new XElement(Svg + "metadata", new XElement(description.Root)));
        return svg.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>
    /// An HTML fragment for notebooks and reports: the SVG inline for charts, or an <c>&lt;img&gt;</c> of the PNG
    /// (base64 data URI) when the figure embeds raster images, so their pixels are shown exactly.
    /// </summary>
    public string ToHtml() => HasImages ? ToImage().ToHtml(Title) : ToSvg();

    /// <summary>Writes <see cref="ToSvg"/> to <paramref name="path"/> (UTF-8), through a temporary file moved into place.</summary>
    public void SaveSvg(string path) => AtomicWrite.Bytes(path, new UTF8Encoding(false).GetBytes(ToSvg()));

    /// <summary>Writes <see cref="ToImage"/> at <paramref name="scale"/> as a PNG, through a temporary file moved into place.</summary>
    public void SavePng(string path, int scale = 1) => PngEncoder.Save(ToImage(scale), path);

    /// <summary>The title and size.</summary>
    public override string ToString() => $"{Title} ({Width}×{Height})";

    private static string Units(double value) => Math.Round(value, 2).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
