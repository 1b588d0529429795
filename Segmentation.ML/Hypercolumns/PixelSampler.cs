using Microsoft.ML;
using Microsoft.ML.Data;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models.Checkpoints;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Hypercolumns;

/// <summary>
/// Labelled hypercolumns sampled from images: <see cref="Features"/> [Count, Channels] and one class per
/// row. Saved as a safetensors file and loaded back, so one sampling serves many training runs.
/// </summary>
public sealed class SampledPixels
{
    /// <summary>Wraps sampled rows.</summary>
    /// <exception cref="ArgumentException">The lengths disagree.</exception>
    public SampledPixels(float[] features, byte[] labels, int channels, SegmentationClassSet classes)
    {
        if (channels < 1 || features.Length != (long)labels.Length * channels)
            throw new ArgumentException($"{labels.Length} rows of {channels} features need {(long)labels.Length * channels} values; got {features.Length}.", nameof(features));
        Features = features;
        Labels = labels;
        Channels = channels;
        Classes = classes;
    }

    /// <summary>Row-major [Count, Channels] hypercolumns.</summary>
    public float[] Features { get; }

    /// <summary>The class of each row.</summary>
    public byte[] Labels { get; }

    /// <summary>Z.</summary>
    public int Channels { get; }

    /// <summary>Rows.</summary>
    public int Count => Labels.Length;

    /// <summary>The classes the labels index.</summary>
    public SegmentationClassSet Classes { get; }

    /// <summary>Rows per class.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[Classes.ClassCount];
        foreach (byte label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>
    /// The samples as an ML.NET data view: <c>Features</c> (a vector of Z floats) and <c>Label</c> (a key over the
    /// classes, with their names), ready for ML.NET's own multiclass trainers.
    /// </summary>
    public IDataView ToDataView(MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Channels);
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), Classes.ClassCount);
        var names = new VBuffer<ReadOnlyMemory<char>>(Classes.ClassCount, Classes.ClassNames.Select(n => n.AsMemory()).ToArray());
        definition[nameof(Row.Label)].AddAnnotation("KeyValues", names, new VectorDataViewType(TextDataViewType.Instance, Classes.ClassCount));
        var rows = Enumerable.Range(0, Count).Select(i => new Row { Features = Features.AsSpan(i * Channels, Channels).ToArray(), Label = Labels[i] + 1u });
        return mlContext.Data.LoadFromEnumerable(rows, definition);
    }

    /// <summary>
    /// Writes the set as safetensors (to a temporary file, then moved into place) with its classes, a format version
    /// and a SHA-256 over everything, which <see cref="Load(string)"/> verifies.
    /// </summary>
    public void Save(string path) => Save(path, NoSettings);

    /// <param name="settings">What the samples were made with (taps, output stride, sampling); a later load can require the same.</param>
    internal void Save(string path, IReadOnlyDictionary<string, string> settings) =>
        TrainingFile.Write(path, FileFormat, FileVersion, new Dictionary<string, string> { ["classes"] = Classes.ToJson() }, settings,
            [TrainingTensor.Of("features", Features, Count, Channels), TrainingTensor.Of("labels", Labels, Count)]);

    /// <summary>Reads a set written by <see cref="Save(string)"/>, verifying its format, version, checksum, shapes, classes and labels.</summary>
    /// <exception cref="CheckpointFormatException">The file is not such a set, or is damaged; the message says what is wrong.</exception>
    public static SampledPixels Load(string path) => Load(path, null);

    /// <param name="expectedSettings">Settings the file must have been saved with, or null to accept any.</param>
    internal static SampledPixels Load(string path, IReadOnlyDictionary<string, string>? expectedSettings)
    {
        var file = TrainingFileReader.Open(path, FileFormat, FileVersion, "sample cache", "delete it to sample again");
        if (expectedSettings is not null) file.ExpectSettings(expectedSettings);
        var classes = file.Classes("classes");
        int[] shape = file.ShapeOf("features", 2);
        if (shape[1] < 1) throw file.Error("features", $"hypercolumns of {shape[1]} values are not possible.");
        var features = file.Floats("features", shape);
        var labels = file.Bytes("labels", shape[0]);
        int stray = Array.FindIndex(labels, label => label >= classes.ClassCount);
        if (stray >= 0) throw file.Error("labels", $"row {stray} has label {labels[stray]}, but there are {classes.ClassCount} classes.");
        file.RequireNoOthers();
        return new SampledPixels(features, labels, shape[1], classes);
    }

    private const string FileFormat = "segml.sample-cache";
    private const int FileVersion = 1;
    private static readonly Dictionary<string, string> NoSettings = [];

    private sealed class Row
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }
}

/// <summary>The sparse sampler: K output-grid cells per class present in each image, seeded; the ignore label is never sampled.</summary>
public static class PixelSampler
{
    /// <summary>
    /// Samples every row of <paramref name="data"/>: the label map is brought to the hypercolumns' output grid
    /// (nearest), then for each class present up to <paramref name="perClass"/> distinct cells are drawn and
    /// their hypercolumns interpolated (only those cells). With <paramref name="perClassCap"/>, each class keeps
    /// at most that many rows overall (a random subset).
    /// </summary>
    /// <exception cref="SchemaException">A column is missing or of the wrong type.</exception>
    public static SampledPixels Sample(IDataView data, int perClass = 6, int? perClassCap = null, int seed = 0,
        string hypercolumnsColumnName = "Hypercolumns", string labelColumnName = "Label", IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        return Sample(new DataViewHypercolumns(data, hypercolumnsColumnName, labelColumnName), perClass, perClassCap, seed, progress, cancellation);
    }

    /// <summary>Samples K cells per class present in each image of <paramref name="data"/>; see the public overload.</summary>
    internal static SampledPixels Sample(LabelledHypercolumns data, int perClass, int? perClassCap, int seed, IProgress<int>? progress, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perClass, 1);
        var classes = data.Classes;
        int channels = data.Channels;
        var random = new Random(seed);
        var features = new List<float[]>();
        var labels = new List<byte>();
        int images = 0;
        foreach (var (maps, truth) in data.Read(null, cancellation))
        {
            cancellation.ThrowIfCancellationRequested();
            var grid = GridLabels(truth, maps.OutputHeight, maps.OutputWidth);
            var (cells, cellLabels) = Choose(grid, maps.OutputWidth, classes.ClassCount, perClass, random);
            var block = new float[cells.Length * channels];
            maps.Sample(cells, block);
            features.Add(block);
            labels.AddRange(cellLabels);
            progress?.Report(++images);
        }
        var all = new float[labels.Count * channels];
        int offset = 0;
        foreach (var block in features)
        {
            block.CopyTo(all, offset);
            offset += block.Length;
        }
        var set = new SampledPixels(all, [.. labels], channels, classes);
        return perClassCap is int cap ? Cap(set, cap, random) : set;
    }

    /// <summary>A label map brought to the output grid with PyTorch's nearest rule.</summary>
    internal static byte[] GridLabels(LabelMap truth, int height, int width)
    {
        var grid = new byte[height * width];
        Resize.Nearest(truth.Labels, truth.Height, truth.Width, grid, height, width);
        return grid;
    }

    internal static ((int Y, int X)[] Cells, byte[] Labels) Choose(ReadOnlySpan<byte> grid, int width, int classes, int perClass, Random random)
    {
        var byClass = new List<int>[classes];
        for (int p = 0; p < grid.Length; p++)
            if (grid[p] < classes) (byClass[grid[p]] ??= []).Add(p);
        var cells = new List<(int, int)>();
        var labels = new List<byte>();
        for (int c = 0; c < classes; c++)
        {
            if (byClass[c] is not List<int> positions) continue;
            int take = Math.Min(perClass, positions.Count);
            for (int i = 0; i < take; i++)
            {
                int j = i + random.Next(positions.Count - i);
                (positions[i], positions[j]) = (positions[j], positions[i]);
                cells.Add((positions[i] / width, positions[i] % width));
                labels.Add((byte)c);
            }
        }
        return ([.. cells], [.. labels]);
    }

    private static SampledPixels Cap(SampledPixels set, int cap, Random random)
    {
        var keep = new List<int>();
        foreach (var group in Enumerable.Range(0, set.Count).GroupBy(i => set.Labels[i]))
        {
            var rows = group.ToArray();
            random.Shuffle(rows);
            keep.AddRange(rows.Take(cap));
        }
        keep.Sort();
        var features = new float[keep.Count * set.Channels];
        var labels = new byte[keep.Count];
        for (int i = 0; i < keep.Count; i++)
        {
            set.Features.AsSpan(keep[i] * set.Channels, set.Channels).CopyTo(features.AsSpan(i * set.Channels));
            labels[i] = set.Labels[keep[i]];
        }
        return new SampledPixels(features, labels, set.Channels, set.Classes);
    }
}
