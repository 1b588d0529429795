using System.Globalization;
using System.Xml.Linq;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Tests.Visualization;

/// <summary>Reads what a figure's SVG says it plots: the marks in its <c>&lt;metadata&gt;</c> (namespace urn:segmentation-ml:figure).</summary>
internal static class FigureMarks
{
    public static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    public static readonly XNamespace Namespace = "urn:segmentation-ml:figure";

    /// <summary>The <c>marks</c> element of an SVG figure, checking that it sits in the SVG's metadata.</summary>
    public static XElement Of(XElement svg)
    {
        Assert.Equal(Svg + "svg", svg.Name);
        var marks = svg.Element(Svg + "metadata")?.Element(Namespace + "marks");
        Assert.True(marks is not null, "The SVG has no <metadata><marks> describing what it plots.");
        return marks;
    }

    /// <summary>The marks of one kind (bar, point, cell, swatch, ...) anywhere in the description, in plotting order.</summary>
    public static List<XElement> All(XElement svg, string mark) => Of(svg).Descendants(Namespace + mark).ToList();

    /// <summary>The kind of figure the description says this is (class-iou, confusion, ...).</summary>
    public static string Kind(XElement svg) => (string)Of(svg).Attribute("kind")!;

    public static double Number(XElement element, string attribute) => double.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    public static Rgb24 Colour(XElement element) => Colour(element.Attribute("color")!.Value);

    public static Rgb24 Colour(string hex) => new(Convert.ToByte(hex[1..3], 16), Convert.ToByte(hex[3..5], 16), Convert.ToByte(hex[5..7], 16));

    /// <summary>The pixel at the centre of a mark's box, in a picture drawn at <paramref name="scale"/>.</summary>
    public static Rgb24 CentrePixel(RgbImage picture, XElement mark, int scale) => picture.GetPixel(
        (int)(scale * (Number(mark, "x") + Number(mark, "width") / 2)), (int)(scale * (Number(mark, "y") + Number(mark, "height") / 2)));

    /// <summary>The words of every SVG text element.</summary>
    public static List<string> Texts(XElement svg) => svg.Descendants(Svg + "text").Select(t => t.Value.Trim()).ToList();
}
