using System.Text;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>
/// A picture drawn by the library — a chart, a heatmap, a side-by-side comparison — that can be written as
/// SVG or rasterised to pixels; both come from the same drawing. Made by <see cref="SideBySide"/>,
/// <see cref="ClassLegend"/>, <see cref="ConfusionHeatmap"/>, <see cref="TrainingCurves"/> and <see cref="ClassCharts"/>.
/// </summary>
/// <remarks>
/// In a Polyglot notebook, show one with <c>display(HTML(figure.ToHtml()))</c>.
/// </remarks>
public sealed class Figure
{
    private readonly Drawing drawing;

    internal Figure(Drawing drawing, string title)
    {
        this.drawing = drawing;
        Title = title;
    }

    /// <summary>What the figure shows, used as its SVG title and the image's alternative text.</summary>
    public string Title { get; }

    /// <summary>Width in pixels at scale 1 (and in SVG user units).</summary>
    public int Width => drawing.Width;

    /// <summary>Height in pixels at scale 1 (and in SVG user units).</summary>
    public int Height => drawing.Height;

    /// <summary>Whether the figure embeds raster images (photos, label maps): then PNG is its faithful format.</summary>
    public bool HasImages => drawing.Shapes.Any(s => s is ImageShape);

    internal Drawing Drawing => drawing;

    /// <summary>The figure as pixels: <see cref="Width"/> × <paramref name="scale"/> by <see cref="Height"/> × <paramref name="scale"/>.</summary>
    /// <param name="scale">Pixels per unit, 1 to 8 (2 for crisp text on high-density screens).</param>
    /// <exception cref="ArgumentOutOfRangeException">The scale is outside 1..8.</exception>
    public RgbImage ToImage(int scale = 1) => Rasterizer.Render(drawing, scale);

    /// <summary>
    /// The figure as a standalone SVG document (no XML declaration, so it can also be inlined in HTML).
    /// Elements carry a <c>class</c> naming their role (<c>bar</c>, <c>cell</c>, <c>series</c>, <c>swatch</c>) and a
    /// <c>data-name</c> naming their class or series.
    /// </summary>
    /// <param name="displayScale">The size the SVG asks to be shown at, relative to <see cref="Width"/> × <see cref="Height"/> (0.25 to 8); the drawing is unchanged.</param>
    /// <exception cref="ArgumentOutOfRangeException">The display scale is outside 0.25..8.</exception>
    public string ToSvg(double displayScale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(displayScale, 0.25);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(displayScale, 8);
        return SvgWriter.Write(drawing, Title, displayScale);
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
}
