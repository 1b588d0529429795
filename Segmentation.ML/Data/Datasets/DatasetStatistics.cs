using System.Runtime.ExceptionServices;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Data;

/// <summary>Settings for <see cref="DatasetStatistics.Compute"/>.</summary>
public sealed record DatasetStatisticsOptions
{
    /// <summary>Masks decoded concurrently; default: the processor count.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Receives the number of masks processed so far, or null.</summary>
    public IProgress<int>? Progress { get; init; }
}

/// <summary>
/// Class statistics of a dataset split computed from its masks alone: pixels per class, images
/// containing each class, ignored pixels. Images are never read.
/// </summary>
public sealed partial class DatasetStatistics
{
    private readonly long[] pixels;
    private readonly int[] images;

    private DatasetStatistics(SegmentationClassSet classes, int imageCount, long[] histogram, int[] presence, IReadOnlyList<SkippedSample> skipped)
    {
        Classes = classes;
        ImageCount = imageCount;
        pixels = histogram[..classes.ClassCount];
        images = presence[..classes.ClassCount];
        TotalPixels = histogram.Sum();
        IgnoredPixels = classes.IgnoreValue is byte ignore ? histogram[ignore] : 0;
        OutOfRangePixels = TotalPixels - IgnoredPixels - pixels.Sum();
        SkippedSamples = skipped;
    }

    /// <summary>The classes counted.</summary>
    public SegmentationClassSet Classes { get; }

    /// <summary>Masks counted (skipped samples excluded).</summary>
    public int ImageCount { get; }

    /// <summary>All pixels of the counted masks.</summary>
    public long TotalPixels { get; }

    /// <summary>Pixels carrying the ignore value.</summary>
    public long IgnoredPixels { get; }

    /// <summary>Pixels with values outside classes and ignore value (only possible with label validation off).</summary>
    public long OutOfRangePixels { get; }

    /// <summary>Pixels of each class, by label.</summary>
    public IReadOnlyList<long> PixelCounts => pixels;

    /// <summary>Masks containing at least one pixel of each class, by label.</summary>
    public IReadOnlyList<int> ImagesPerClass => images;

    /// <summary>Samples left out (only with <see cref="DatasetReadOptions.SkipInvalidSamples"/>), in sample order.</summary>
    public IReadOnlyList<SkippedSample> SkippedSamples { get; }

    /// <summary>Fraction of all pixels that belong to the class; with <paramref name="excludeIgnored"/>, of the labelled pixels only.</summary>
    public double GetPixelShare(int classIndex, bool excludeIgnored = false)
    {
        long denominator = excludeIgnored ? TotalPixels - IgnoredPixels - OutOfRangePixels : TotalPixels;
        return denominator == 0 ? 0 : (double)pixels[classIndex] / denominator;
    }

    /// <summary>Fraction of all pixels that are ignored.</summary>
    public double IgnoredShare => TotalPixels == 0 ? 0 : (double)IgnoredPixels / TotalPixels;

    /// <summary>
    /// Decodes every mask of <paramref name="dataset"/> (in parallel) and counts labels. Invalid masks throw,
    /// or with <see cref="DatasetReadOptions.SkipInvalidSamples"/> are left out and listed.
    /// </summary>
    /// <exception cref="DatasetException">A mask is invalid and skipping is off.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static DatasetStatistics Compute(SegmentationDataset dataset, DatasetStatisticsOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= new DatasetStatisticsOptions();
        var histogram = new long[256];
        var presence = new int[256];
        int imageCount = 0, processed = 0;
        var skipped = new List<(int Index, SkippedSample Skipped)>();
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Math.Max(1, options.MaxDegreeOfParallelism) };
        try
        {
            Parallel.For(0, dataset.Samples.Count, parallel,
                () => new Accumulator(),
                (index, _, local) =>
                {
                    SegmentationSample sample = dataset.Samples[index];
                    LabelMap mask;
                    try
                    {
                        mask = dataset.LoadMask(sample);
                    }
                    catch (DatasetException e) when (dataset.Options.SkipInvalidSamples)
                    {
                        lock (skipped)
                        {
                            skipped.Add((index, new SkippedSample(sample, e)));
                        }

                        return local;
                    }

                    local.Add(mask.Labels);
                    options.Progress?.Report(Interlocked.Increment(ref processed));
                    return local;
                },
                local =>
                {
                    lock (histogram)
                    {
                        local.MergeInto(histogram, presence);
                        imageCount += local.Images;
                    }
                });
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is DatasetException or ImageFormatException) is { } first)
        {
            ExceptionDispatchInfo.Capture(first).Throw();
        }

        return new DatasetStatistics(dataset.Classes, imageCount, histogram, presence,
            skipped.OrderBy(s => s.Index).Select(s => s.Skipped).ToArray());
    }

    /// <summary>Per-thread counts, merged once at the end.</summary>
    private sealed class Accumulator
    {
        private readonly long[] histogram = new long[256];
        private readonly int[] presence = new int[256];
        private readonly int[] counts = new int[256 * 4];

        public int Images { get; private set; }

        public void Add(ReadOnlySpan<byte> labels)
        {
            // Four interleaved tallies keep repeated labels from serialising on one counter.
            Span<int> counts = this.counts;
            counts.Clear();
            int i = 0;
            for (; i + 4 <= labels.Length; i += 4)
            {
                counts[labels[i]]++;
                counts[256 + labels[i + 1]]++;
                counts[512 + labels[i + 2]]++;
                counts[768 + labels[i + 3]]++;
            }

            for (; i < labels.Length; i++)
            {
                counts[labels[i]]++;
            }

            for (int v = 0; v < 256; v++)
            {
                int n = counts[v] + counts[256 + v] + counts[512 + v] + counts[768 + v];
                histogram[v] += n;
                presence[v] += n > 0 ? 1 : 0;
            }

            Images++;
        }

        public void MergeInto(long[] histogram, int[] presence)
        {
            for (int v = 0; v < 256; v++)
            {
                histogram[v] += this.histogram[v];
                presence[v] += this.presence[v];
            }
        }
    }
}
