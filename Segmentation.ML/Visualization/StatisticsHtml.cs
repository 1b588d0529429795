using Segmentation.ML.Data;

namespace Segmentation.ML.Visualization;

/// <summary><see cref="DatasetStatistics"/> as an HTML table for notebooks and reports.</summary>
public static class StatisticsHtml
{
    /// <summary>
    /// One row per class (colour swatch and name, pixels, share of labelled pixels in %, images containing the class),
    /// under a caption giving the split's image count and its ignored share.
    /// </summary>
    public static string ToHtml(this DatasetStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var classes = statistics.Classes;
        var palette = ClassLegend.ColorsOf(classes);
        string caption = $"{classes.Name}: {statistics.ImageCount:N0} images, {HtmlTable.Count(statistics.TotalPixels)} pixels, " +
                         $"{HtmlTable.Percent(statistics.IgnoredShare)} % ignored";
        var table = new HtmlTable("segml-statistics", caption, "Class", "#Pixels", "#Share %", "#Images");
        for (int c = 0; c < classes.ClassCount; c++)
            table.Row(HtmlTable.Swatch(classes.ClassNames[c], ClassLegend.ColorOf(palette, c)), HtmlTable.Count(statistics.PixelCounts[c]),
                HtmlTable.Percent(statistics.GetPixelShare(c, excludeIgnored: true)), statistics.ImagesPerClass[c].ToString(System.Globalization.CultureInfo.InvariantCulture));
        return table.ToString();
    }
}
