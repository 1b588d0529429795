using System.Globalization;
using System.Xml.Linq;
using OxyPlot;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>
/// What a figure shows, for programs: one element per plotted mark (a bar, a point, a heatmap cell, a swatch) with the
/// value it stands for and, where it has one, its box in figure units. Written into the figure's SVG as
/// <c>&lt;metadata&gt;&lt;marks xmlns="urn:segmentation-ml:figure" kind="…"&gt;</c>, so notebooks, reports and tests can
/// read the numbers behind a picture without parsing how the plotting library drew it.
/// </summary>
internal sealed class FigureDescription(string kind)
{
    /// <summary>The namespace of the description's elements.</summary>
    public static readonly XNamespace Namespace = "urn:segmentation-ml:figure";

    /// <summary>The <c>marks</c> element holding the marks, in plotting order.</summary>
    public XElement Root { get; } = new(Namespace + "marks", new XAttribute("kind", kind));

    /// <summary>Adds a mark; null attribute values are left out, numbers are written round-trip in the invariant culture.</summary>
    public XElement Add(string mark, params (string Name, object? Value)[] attributes) => Add(Root, mark, attributes);

    /// <summary>Adds a mark under <paramref name="parent"/> (a series holding its points).</summary>
    public static XElement Add(XElement parent, string mark, params (string Name, object? Value)[] attributes)
    {
        var element = new XElement(Namespace + mark,
            attributes.Where(a => a.Value is not null).Select(a => new XAttribute(a.Name, Format(a.Value!))));
        parent.Add(element);
        return element;
    }

    /// <summary>The x, y, width and height attributes of a box in figure units.</summary>
    public static (string, object?)[] Box(OxyRect box) =>
        [("x", Round(box.Left)), ("y", Round(box.Top)), ("width", Round(box.Width)), ("height", Round(box.Height))];

    /// <summary>The x and y attributes of a point in figure units.</summary>
    public static (string, object?)[] At(ScreenPoint point) => [("x", Round(point.X)), ("y", Round(point.Y))];

    private static double Round(double units) => Math.Round(units, 2);

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        Rgb24 c => Theme.ToHex(c),
        bool b => b ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
