using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Visualization;

namespace Segmentation.Cli.Commands;

/// <summary>The report's image | truth | prediction examples: rows spread evenly over the split, kept as the one evaluation pass goes by.</summary>
internal sealed class ReportExamples
{
    private readonly HashSet<int> wanted;
    private readonly SortedDictionary<int, ReportExample> kept = [];

    public ReportExamples(SegmentationDataset data, int count)
    {
        int rows = data.Samples.Count, taken = Math.Min(count, rows);
        wanted = Enumerable.Range(0, taken).Select(i => (int)((long)i * rows / taken)).ToHashSet();
    }

    /// <summary>Keeps the row when it is one of the examples (the evaluation's visitor).</summary>
    public void Keep(int row, SegmentationSample sample, RgbImage image, LabelMap truth, LabelMap prediction)
    {
        if (wanted.Contains(row)) kept[row] = new ReportExample(sample.Id, image, truth, prediction);
    }

    /// <summary>The examples kept, in split order.</summary>
    public IReadOnlyList<ReportExample> Collect() => kept.Values.ToList();
}
