using System.Globalization;

namespace Segmentation.ML.Visualization;

/// <summary>Axis tick values at "nice" steps (1, 2 or 5 times a power of ten).</summary>
internal static class Ticks
{
    /// <summary>About <paramref name="count"/> ticks covering [min, max]; returns the widened range and the ticks in it.</summary>
    public static (double Min, double Max, double[] Values) Nice(double min, double max, int count = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
        if (max <= min) max = min + (min == 0 ? 1 : Math.Abs(min) * 0.1);
        double raw = (max - min) / Math.Max(1, count);
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = magnitude * (raw / magnitude) switch { <= 1 => 1, <= 2 => 2, <= 5 => 5, _ => 10 };
        double low = Math.Floor(min / step + 1e-9) * step, high = Math.Ceiling(max / step - 1e-9) * step;
        int n = (int)Math.Round((high - low) / step);
        return (low, high, Enumerable.Range(0, n + 1).Select(i => Math.Round(low + i * step, 10)).ToArray());
    }

    /// <summary>A tick label: integers without decimals, else up to three decimals.</summary>
    public static string Format(double value) =>
        Math.Abs(value - Math.Round(value)) < 1e-9 ? Math.Round(value).ToString("0", CultureInfo.InvariantCulture)
            : value.ToString("0.###", CultureInfo.InvariantCulture);
}
