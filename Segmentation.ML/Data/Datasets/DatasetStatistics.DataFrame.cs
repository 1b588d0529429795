using Microsoft.Data.Analysis;

namespace Segmentation.ML.Data;

public sealed partial class DatasetStatistics
{
    /// <summary>
    /// The class statistics as a <see cref="DataFrame"/>, one row per class in label order, with the columns
    /// <c>Class</c> (string), <c>Pixels</c> (long), <c>Pixel share</c> (double, a fraction in [0, 1] as
    /// <see cref="GetPixelShare"/> gives it) and <c>Images</c> (int, masks containing the class).
    /// </summary>
    /// <param name="excludeIgnored">Shares of the labelled pixels only, rather than of all pixels (the default, as <c>segml data stats</c> prints them).</param>
    /// <remarks>Ignored pixels are no class and get no row; see <see cref="IgnoredPixels"/> and <see cref="IgnoredShare"/>.</remarks>
    public DataFrame ToDataFrame(bool excludeIgnored = false)
    {
        var labels = Enumerable.Range(0, Classes.ClassCount).ToArray();
        return new DataFrame(
            new StringDataFrameColumn("Class", labels.Select(c => Classes.ClassNames[c])),
            new Int64DataFrameColumn("Pixels", pixels),
            new DoubleDataFrameColumn("Pixel share", labels.Select(c => GetPixelShare(c, excludeIgnored))),
            new Int32DataFrameColumn("Images", images));
    }
}
