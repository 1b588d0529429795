using System.Runtime.CompilerServices;

namespace Segmentation.ML.Evaluation;

/// <summary>Thrown when a label map holds a value that is neither a class index nor the ignore label.</summary>
public sealed class LabelOutOfRangeException(string message, int label, long pixel) : ArgumentException(message)
{
    /// <summary>The offending value.</summary>
    public int Label { get; } = label;

    /// <summary>Index of the first offending pixel in the span that was added.</summary>
    public long Pixel { get; } = pixel;
}

/// <summary>
/// A streaming C × C confusion matrix of pixel counts: row = ground truth, column = prediction.
/// Pixels whose truth is the ignore label are counted apart and never enter the matrix.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] counts;

    /// <summary>Creates an empty matrix.</summary>
    /// <param name="classCount">Number of classes (1 to 255).</param>
    /// <param name="ignoreLabel">The truth value to skip (VOC: 255, CamVid: 11), or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">The class count is outside 1..255, or the ignore label is a class index.</exception>
    public ConfusionMatrix(int classCount, int? ignoreLabel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 255);
        if (ignoreLabel is int ignore && (ignore < classCount || ignore > 255))
            throw new ArgumentOutOfRangeException(nameof(ignoreLabel), ignore, $"The ignore label must be a byte value outside the classes 0..{classCount - 1}.");
        ClassCount = classCount;
        IgnoreLabel = ignoreLabel;
        counts = new long[classCount * classCount];
    }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>The truth value that is skipped, or null.</summary>
    public int? IgnoreLabel { get; }

    /// <summary>Pixels counted in the matrix.</summary>
    public long CountedPixels { get; private set; }

    /// <summary>Pixels skipped because their truth was the ignore label.</summary>
    public long IgnoredPixels { get; private set; }

    /// <summary>Pixels of class <paramref name="truth"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int truth, int predicted] => counts[truth * ClassCount + predicted];

    /// <summary>Counts one image: truth and prediction label maps of equal length.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="LabelOutOfRangeException">A truth value is neither a class nor the ignore label, or a prediction is not a class.</exception>
    public void Add(ReadOnlySpan<byte> truth, ReadOnlySpan<byte> predicted)
    {
        if (truth.Length != predicted.Length)
            throw new ArgumentException($"Truth has {truth.Length} pixels but the prediction has {predicted.Length}; they must be the same size.", nameof(predicted));
        var local = new long[counts.Length];
        long ignored = Count(truth, predicted, local);
        lock (counts)
        {
            for (int i = 0; i < counts.Length; i++) counts[i] += local[i];
            IgnoredPixels += ignored;
            CountedPixels += truth.Length - ignored;
        }
    }

    /// <summary>Adds another matrix of the same classes (for example one per thread).</summary>
    /// <exception cref="ArgumentException">The class counts or ignore labels differ.</exception>
    public void Add(ConfusionMatrix other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.ClassCount != ClassCount || other.IgnoreLabel != IgnoreLabel)
            throw new ArgumentException($"Cannot add a {other.ClassCount}-class matrix (ignore {other.IgnoreLabel}) to a {ClassCount}-class one (ignore {IgnoreLabel}).", nameof(other));
        lock (counts)
        {
            for (int i = 0; i < counts.Length; i++) counts[i] += other.counts[i];
            IgnoredPixels += other.IgnoredPixels;
            CountedPixels += other.CountedPixels;
        }
    }

    /// <summary>Computes the metrics of everything counted so far.</summary>
    /// <param name="classNames">Names of the classes (ClassCount of them), or null for "class 0", "class 1", ….</param>
    public SegmentationMetrics ComputeMetrics(IReadOnlyList<string>? classNames = null) => SegmentationMetrics.From(this, classNames);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long Count(ReadOnlySpan<byte> truth, ReadOnlySpan<byte> predicted, long[] local)
    {
        int classes = ClassCount;
        int ignore = IgnoreLabel ?? -1;
        long ignored = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            int t = truth[i], p = predicted[i];
            if (t == ignore)
            {
                ignored++;
                continue;
            }
            if (t >= classes)
                throw new LabelOutOfRangeException($"Truth pixel {i} is {t}: not a class (0..{classes - 1}){(IgnoreLabel is int g ? $" nor the ignore label {g}" : "")}.", t, i);
            if (p >= classes)
                throw new LabelOutOfRangeException($"Predicted pixel {i} is {p}: not a class (0..{classes - 1}).", p, i);
            local[t * classes + p]++;
        }
        return ignored;
    }
}
