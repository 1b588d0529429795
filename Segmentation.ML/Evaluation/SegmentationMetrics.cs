using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Segmentation.ML.Evaluation;

/// <summary>Whether a class took part in the evaluation.</summary>
public enum ClassPresence
{
    /// <summary>The class occurs in the ground truth.</summary>
    InTruth,

    /// <summary>The class never occurs in the truth but was predicted (a pure false-positive class).</summary>
    PredictedOnly,

    /// <summary>Neither in the truth nor predicted: it has no metrics and is left out of every mean.</summary>
    Absent,
}

/// <summary>The metrics of one class. Fractions are in [0, 1]; null where the class gives no denominator.</summary>
/// <param name="Index">Class index.</param>
/// <param name="Name">Class name.</param>
/// <param name="Presence">Whether the class occurred in the truth, only in the predictions, or nowhere.</param>
/// <param name="TruthPixels">Pixels of the class in the truth (row sum).</param>
/// <param name="PredictedPixels">Pixels predicted as the class (column sum).</param>
/// <param name="Precision">Correct / predicted; 0 when the class is in the truth but never predicted; null when absent.</param>
/// <param name="Recall">Correct / truth (the class accuracy); null unless the class is in the truth.</param>
/// <param name="IoU">Correct / (truth + predicted − correct); null when absent.</param>
public sealed record ClassMetrics(int Index, string Name, ClassPresence Presence, long TruthPixels, long PredictedPixels, double? Precision, double? Recall, double? IoU);

/// <summary>
/// Pixel metrics from a confusion matrix, as the segmentation literature defines them (Long et al., FCN):
/// pixel accuracy Σnᵢᵢ / Σtᵢ; mean class accuracy (mean recall) over classes in the truth; mean class
/// precision over classes in the truth or predicted; mean IoU over classes in the truth or predicted;
/// frequency-weighted IoU Σ tᵢ·IoUᵢ / Σtᵢ. Ignored pixels are excluded everywhere.
/// </summary>
/// <remarks>
/// A class in the truth but never predicted has precision 0 (it was entirely missed); a predicted-only
/// class has precision 0 and IoU 0 and no recall; an absent class has no metrics at all and is reported
/// as <see cref="ClassPresence.Absent"/> rather than as 0 or NaN.
/// </remarks>
public sealed partial record SegmentationMetrics
{
    /// <summary>Correct pixels / counted pixels.</summary>
    public required double PixelAccuracy { get; init; }

    /// <summary>Mean of per-class recall over classes in the truth.</summary>
    public required double MeanClassAccuracy { get; init; }

    /// <summary>Mean of per-class precision over classes in the truth or predicted.</summary>
    public required double MeanClassPrecision { get; init; }

    /// <summary>Mean of per-class IoU over classes in the truth or predicted.</summary>
    public required double MeanIoU { get; init; }

    /// <summary>Per-class IoU weighted by the class's share of truth pixels.</summary>
    public required double FrequencyWeightedIoU { get; init; }

    /// <summary>Pixels counted (ignored ones excluded).</summary>
    public required long CountedPixels { get; init; }

    /// <summary>Pixels skipped as the ignore label.</summary>
    public required long IgnoredPixels { get; init; }

    /// <summary>One row per class, in class order.</summary>
    public required IReadOnlyList<ClassMetrics> PerClass { get; init; }

    /// <summary>The matrix the metrics were computed from.</summary>
    public required ConfusionMatrix Confusion { get; init; }

    internal static SegmentationMetrics From(ConfusionMatrix matrix, IReadOnlyList<string>? names)
    {
        int c = matrix.ClassCount;
        if (names is not null && names.Count != c)
            throw new ArgumentException($"{names.Count} class names were given for a {c}-class matrix.", nameof(names));
        long correct = 0;
        var rows = new List<ClassMetrics>(c);
        for (int i = 0; i < c; i++)
        {
            long truth = 0, predicted = 0;
            for (int j = 0; j < c; j++)
            {
                truth += matrix[i, j];
                predicted += matrix[j, i];
            }
            long hits = matrix[i, i];
            correct += hits;
            var presence = truth > 0 ? ClassPresence.InTruth : predicted > 0 ? ClassPresence.PredictedOnly : ClassPresence.Absent;
            double? precision = presence == ClassPresence.Absent ? null : predicted > 0 ? (double)hits / predicted : 0;
            double? recall = truth > 0 ? (double)hits / truth : null;
            double? iou = presence == ClassPresence.Absent ? null : (double)hits / (truth + predicted - hits);
            rows.Add(new ClassMetrics(i, names?[i] ?? $"class {i}", presence, truth, predicted, precision, recall, iou));
        }
        long counted = matrix.CountedPixels;
        static double Mean(IEnumerable<double?> values)
        {
            var defined = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
            return defined.Count == 0 ? 0 : defined.Average();
        }
        return new SegmentationMetrics
        {
            PixelAccuracy = counted == 0 ? 0 : (double)correct / counted,
            MeanClassAccuracy = Mean(rows.Select(r => r.Recall)),
            MeanClassPrecision = Mean(rows.Select(r => r.Precision)),
            MeanIoU = Mean(rows.Select(r => r.IoU)),
            FrequencyWeightedIoU = counted == 0 ? 0 : rows.Where(r => r.TruthPixels > 0).Sum(r => r.TruthPixels * r.IoU!.Value) / counted,
            CountedPixels = counted,
            IgnoredPixels = matrix.IgnoredPixels,
            PerClass = rows,
            Confusion = matrix,
        };
    }

    /// <summary>A markdown table: the summary line, then one row per class (percentages; "absent" where a class had no pixels).</summary>
    public string ToMarkdown()
    {
        static string Percent(double? value) => value is double v ? (100 * v).ToString("F1", CultureInfo.InvariantCulture) : "—";
        var text = new StringBuilder();
        text.AppendLine("| Metric | Value |");
        text.AppendLine("|---|---:|");
        text.AppendLine($"| Pixel accuracy | {Percent(Defined(PixelAccuracy))} % |");
        text.AppendLine($"| Mean class accuracy | {Percent(Defined(MeanClassAccuracy))} % |");
        text.AppendLine($"| Mean class precision | {Percent(Defined(MeanClassPrecision))} % |");
        text.AppendLine($"| Mean IoU | {Percent(Defined(MeanIoU))} % |");
        text.AppendLine($"| Frequency-weighted IoU | {Percent(Defined(FrequencyWeightedIoU))} % |");
        text.AppendLine();
        text.AppendLine("| Class | Truth pixels | Precision % | Recall % | IoU % |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var row in PerClass)
        {
            string note = row.Presence switch
            {
                ClassPresence.Absent => " (absent)",
                ClassPresence.PredictedOnly => " (predicted only)",
                _ => "",
            };
            text.AppendLine($"| {row.Name}{note} | {row.TruthPixels.ToString(CultureInfo.InvariantCulture)} | {Percent(row.Precision)} | {Percent(row.Recall)} | {Percent(row.IoU)} |");
        }
        return text.ToString();
    }

    /// <summary>
    /// One JSON object: <c>pixel_accuracy</c>, <c>mean_class_accuracy</c>, <c>mean_class_precision</c>,
    /// <c>mean_iou</c>, <c>fw_iou</c> (fractions in [0, 1]), pixel counts, and <c>per_class</c> rows whose
    /// <c>presence</c> is <c>in_truth</c>, <c>predicted_only</c> or <c>absent</c> (absent rows carry nulls).
    /// When no pixel was counted (every mask pixel is void) the five summary metrics are <c>null</c>, not 0:
    /// no class is present, so there is nothing to score.
    /// </summary>
    public string ToJson(bool indented = true) => ToJsonObject().ToJsonString(new JsonSerializerOptions { WriteIndented = indented });

    /// <summary>The object <see cref="ToJson"/> serialises, for callers that add fields of their own.</summary>
    public JsonObject ToJsonObject()
    {
        var perClass = new JsonArray();
        foreach (var row in PerClass)
            perClass.Add(new JsonObject
            {
                ["index"] = row.Index,
                ["name"] = row.Name,
                ["presence"] = row.Presence switch
                {
                    ClassPresence.InTruth => "in_truth",
                    ClassPresence.PredictedOnly => "predicted_only",
                    _ => "absent",
                },
                ["truth_pixels"] = row.TruthPixels,
                ["predicted_pixels"] = row.PredictedPixels,
                ["precision"] = row.Precision,
                ["recall"] = row.Recall,
                ["iou"] = row.IoU,
            });
        return new JsonObject
        {
            ["pixel_accuracy"] = Defined(PixelAccuracy),
            ["mean_class_accuracy"] = Defined(MeanClassAccuracy),
            ["mean_class_precision"] = Defined(MeanClassPrecision),
            ["mean_iou"] = Defined(MeanIoU),
            ["fw_iou"] = Defined(FrequencyWeightedIoU),
            ["counted_pixels"] = CountedPixels,
            ["ignored_pixels"] = IgnoredPixels,
            ["per_class"] = perClass,
        };
    }

    /// <summary>True when at least one pixel was scored; otherwise every summary metric is undefined (reported as 0 by the properties, null in JSON, "—" in tables).</summary>
    public bool AnyClassPresent => CountedPixels > 0;

    private double? Defined(double value) => AnyClassPresent ? value : null;

    /// <summary>The confusion matrix as CSV: a header of predicted class names, one row per truth class.</summary>
    public string ConfusionToCsv()
    {
        static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
        var text = new StringBuilder("truth\\predicted");
        foreach (var row in PerClass) text.Append(',').Append(Quote(row.Name));
        text.AppendLine();
        for (int i = 0; i < PerClass.Count; i++)
        {
            text.Append(Quote(PerClass[i].Name));
            for (int j = 0; j < PerClass.Count; j++) text.Append(',').Append(Confusion[i, j].ToString(CultureInfo.InvariantCulture));
            text.AppendLine();
        }
        return text.ToString();
    }
}
