using System.Globalization;

namespace Segmentation.ML.Onnx;

/// <summary>
/// Test-time augmentation for <see cref="SegmentationModel.Predict(Imaging.RgbImage, TestTimeAugmentation, CancellationToken)"/>:
/// the graph scores the image at each of <see cref="Scales"/> (and, with <see cref="Mirror"/>, its left–right mirror
/// at each), every grid of class scores is resized to the image, and the arg-max of their sum is the label. Each
/// run costs about a prediction at that scale: 0.75, 1 and 1.25 cost 0.56 + 1 + 1.56 ≈ 3.1 plain predictions.
/// </summary>
public sealed record TestTimeAugmentation
{
    /// <summary>No augmentation: one run at the image's own size.</summary>
    public static TestTimeAugmentation None { get; } = new();

    /// <summary>Also score the mirror image at every scale.</summary>
    public bool Mirror { get; init; }

    /// <summary>Scales of the image's size the graph runs at (each 0.25 to 4, distinct); default just 1.</summary>
    /// <exception cref="ArgumentException">Empty, a scale out of range, or a scale repeated.</exception>
    public IReadOnlyList<double> Scales
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Count == 0) throw new ArgumentException("Give at least one scale (1 is the image's own size).", nameof(Scales));
            foreach (double scale in value)
            {
                if (!(scale is >= 0.25 and <= 4))
                    throw new ArgumentException($"Scale {scale.ToString(CultureInfo.InvariantCulture)} is outside 0.25…4.", nameof(Scales));
            }
            if (value.Distinct().Count() != value.Count) throw new ArgumentException("A scale is repeated: " + string.Join(",", value.Select(s => s.ToString(CultureInfo.InvariantCulture))) + ".", nameof(Scales));
            field = value.ToArray();
        }
    } = [1.0];

    /// <summary>How many times the graph runs per image.</summary>
    public int Runs => Scales.Count * (Mirror ? 2 : 1);

    /// <summary>Parses a comma-separated list of scales such as <c>0.75,1,1.25</c>.</summary>
    /// <exception cref="FormatException">An entry is not a number.</exception>
    /// <exception cref="ArgumentException">A scale is out of range or repeated.</exception>
    public static IReadOnlyList<double> ParseScales(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scales = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(entry =>
            double.TryParse(entry, NumberStyles.Float, CultureInfo.InvariantCulture, out double scale)
                ? scale
                : throw new FormatException($"'{entry}' in the scales '{text}' is not a number; give e.g. 0.75,1,1.25.")).ToArray();
        return new TestTimeAugmentation { Scales = scales }.Scales;
    }
}
