using System.Globalization;
using System.Text;
using System.Xml;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>
/// Writes a <see cref="Drawing"/> as a standalone SVG 1.1 document (XML with the SVG namespace). Text uses a
/// monospace font sized to the 5×7 font's advance, so labels take the room the raster layout gave them.
/// </summary>
internal static class SvgWriter
{
    /// <summary>The SVG namespace.</summary>
    public const string Namespace = "http://www.w3.org/2000/svg";

    // A monospace glyph advances about 0.6 em: 10 units per em gives the bitmap font's 6-unit advance.
    private const double FontSizePerScale = 10;

    /// <param name="drawing">What to write.</param>
    /// <param name="title">The document's title element, or null.</param>
    /// <param name="displayScale">The displayed size relative to the drawing's (the viewBox keeps the drawing's units).</param>
    public static string Write(Drawing drawing, string? title = null, double displayScale = 1)
    {
        var text = new StringBuilder();
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = false };
        using (var xml = XmlWriter.Create(text, settings))
        {
            xml.WriteStartElement("svg", Namespace);
            xml.WriteAttributeString("width", Number(drawing.Width * displayScale));
            xml.WriteAttributeString("height", Number(drawing.Height * displayScale));
            xml.WriteAttributeString("viewBox", $"0 0 {Number(drawing.Width)} {Number(drawing.Height)}");
            xml.WriteAttributeString("font-family", "DejaVu Sans Mono, Menlo, Consolas, monospace");
            if (title is not null)
            {
                xml.WriteAttributeString("role", "img");
                xml.WriteElementString("title", Namespace, title);
            }
            WriteRect(xml, new RectShape(0, 0, drawing.Width, drawing.Height, Theme.Background));
            foreach (var shape in drawing.Shapes) WriteShape(xml, shape);
            xml.WriteEndElement();
        }
        return text.ToString();
    }

    private static void WriteShape(XmlWriter xml, Shape shape)
    {
        switch (shape)
        {
            case RectShape r:
                WriteRect(xml, r);
                break;
            case LineShape l:
                Start(xml, "line", l);
                xml.WriteAttributeString("x1", Number(l.X1));
                xml.WriteAttributeString("y1", Number(l.Y1));
                xml.WriteAttributeString("x2", Number(l.X2));
                xml.WriteAttributeString("y2", Number(l.Y2));
                xml.WriteAttributeString("stroke", Color(l.Stroke));
                xml.WriteAttributeString("stroke-width", Number(l.Thickness));
                if (l.Dashed) xml.WriteAttributeString("stroke-dasharray", "4 3");
                if (l.X1 == l.X2 || l.Y1 == l.Y2) xml.WriteAttributeString("shape-rendering", "crispEdges");
                End(xml, l);
                break;
            case PolylineShape p:
                Start(xml, "polyline", p);
                xml.WriteAttributeString("points", string.Join(" ", p.Points.Select(q => $"{Number(q.X)},{Number(q.Y)}")));
                xml.WriteAttributeString("fill", "none");
                xml.WriteAttributeString("stroke", Color(p.Stroke));
                xml.WriteAttributeString("stroke-width", Number(p.Thickness));
                xml.WriteAttributeString("stroke-linejoin", "round");
                End(xml, p);
                break;
            case CircleShape c:
                Start(xml, "circle", c);
                xml.WriteAttributeString("cx", Number(c.X));
                xml.WriteAttributeString("cy", Number(c.Y));
                xml.WriteAttributeString("r", Number(c.Radius));
                xml.WriteAttributeString("fill", Color(c.Fill));
                End(xml, c);
                break;
            case TextShape t:
                Start(xml, "text", t);
                double baseline = BitmapFont.Height * t.Scale;
                if (t.Vertical)
                {
                    xml.WriteAttributeString("x", Number(t.X));
                    xml.WriteAttributeString("y", Number(t.Y + baseline));
                    xml.WriteAttributeString("transform", $"rotate(-90 {Number(t.X)} {Number(t.Y)})");
                }
                else
                {
                    xml.WriteAttributeString("x", Number(t.X));
                    xml.WriteAttributeString("y", Number(t.Y + baseline));
                }
                xml.WriteAttributeString("font-size", Number(FontSizePerScale * t.Scale));
                if (t.Anchor != TextAnchor.Start) xml.WriteAttributeString("text-anchor", t.Anchor == TextAnchor.Middle ? "middle" : "end");
                xml.WriteAttributeString("fill", Color(t.Color));
                xml.WriteString(t.Text);
                End(xml, t, writeTitle: false);
                break;
            case ImageShape m:
                Start(xml, "image", m);
                xml.WriteAttributeString("x", Number(m.X));
                xml.WriteAttributeString("y", Number(m.Y));
                xml.WriteAttributeString("width", Number(m.Image.Width * m.Magnification));
                xml.WriteAttributeString("height", Number(m.Image.Height * m.Magnification));
                xml.WriteAttributeString("style", "image-rendering:pixelated");
                xml.WriteAttributeString("href", "data:image/png;base64," + Convert.ToBase64String(PngEncoder.Encode(m.Image)));
                End(xml, m);
                break;
            default:
                throw new NotSupportedException($"No SVG element for {shape.GetType().Name}.");
        }
    }

    private static void WriteRect(XmlWriter xml, RectShape r)
    {
        Start(xml, "rect", r);
        // A one-unit stroke drawn inside the box, as the rasterizer paints it.
        double inset = r.Stroke is null ? 0 : 0.5;
        xml.WriteAttributeString("x", Number(r.X + inset));
        xml.WriteAttributeString("y", Number(r.Y + inset));
        xml.WriteAttributeString("width", Number(Math.Max(0, r.Width - 2 * inset)));
        xml.WriteAttributeString("height", Number(Math.Max(0, r.Height - 2 * inset)));
        xml.WriteAttributeString("fill", r.Fill is Rgb24 fill ? Color(fill) : "none");
        if (r.Stroke is Rgb24 stroke) xml.WriteAttributeString("stroke", Color(stroke));
        xml.WriteAttributeString("shape-rendering", "crispEdges");
        End(xml, r);
    }

    private static void Start(XmlWriter xml, string element, Shape shape)
    {
        xml.WriteStartElement(element, Namespace);
        if (shape.Role is not null) xml.WriteAttributeString("class", shape.Role);
        if (shape.Name is not null) xml.WriteAttributeString("data-name", shape.Name);
    }

    private static void End(XmlWriter xml, Shape shape, bool writeTitle = true)
    {
        if (writeTitle && shape.Name is not null) xml.WriteElementString("title", Namespace, shape.Name);
        xml.WriteEndElement();
    }

    private static string Color(Rgb24 color) => $"#{color.R:x2}{color.G:x2}{color.B:x2}";

    private static string Number(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
