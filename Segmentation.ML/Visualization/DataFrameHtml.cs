using System.Globalization;
using Microsoft.Data.Analysis;

namespace Segmentation.ML.Visualization;

/// <summary>
/// A <see cref="DataFrame"/> as an HTML table for notebooks (<c>display(HTML(frame.ToHtml()))</c>): the library's
/// tables of metrics and statistics are DataFrames (<c>PerClassToDataFrame</c>, <c>ToDataFrame</c>), and so are
/// previews of a data view's first rows built from its columns.
/// </summary>
public static class DataFrameHtml
{
    /// <summary>
    /// The column names as headers, then the first <paramref name="maxRows"/> rows: numeric columns right-aligned,
    /// fractions with up to four decimals, a missing value as "—". When rows are left out, a caption says how many
    /// of how many are shown.
    /// </summary>
    /// <param name="frame">The table.</param>
    /// <param name="maxRows">The most rows shown.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRows"/> is negative.</exception>
    public static string ToHtml(this DataFrame frame, int maxRows = 20)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        long rows = frame.Rows.Count, shown = Math.Min(rows, maxRows);
        var columns = frame.Columns;
        var table = new HtmlTable("segml-dataframe", shown < rows ? $"first {shown} of {rows} rows" : null,
            columns.Select(c => (IsNumeric(c.DataType) ? "#" : "") + c.Name).ToArray());
        for (long row = 0; row < shown; row++)
            table.Row(columns.Select(c => HtmlTable.Encode(Format(c[row]))).ToArray());
        return table.ToString();
    }

    private static bool IsNumeric(Type type) => Type.GetTypeCode(type) is >= TypeCode.SByte and <= TypeCode.Decimal;

    private static string Format(object? value) => value switch
    {
        null => "—",
        double or float or decimal => ((IFormattable)value).ToString("0.####", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
