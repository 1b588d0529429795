namespace Segmentation.ML.Data;

/// <summary>
/// PASCAL VOC 2012 segmentation in the VOCdevkit layout: <c>JPEGImages/{id}.jpg</c>,
/// <c>SegmentationClass/{id}.png</c> (palette PNGs whose indices are the labels) and
/// <c>ImageSets/Segmentation/{split}.txt</c> (train 1464, val 1449, trainval 2913 ids).
/// </summary>
public sealed class VocDataset : SegmentationDataset
{
    private VocDataset(string root, string split, IEnumerable<SegmentationSample> samples, DatasetReadOptions? options)
        : base(root, split, SegmentationClassSet.Voc2012, samples, options)
    {
    }

    private protected override string MissingImageAdvice =>
        " The VOC 2012 images come with VOCtrainval_11-May-2012.tar (JPEGImages/); masks alone suffice for statistics (LoadMask, DatasetStatistics).";

    /// <summary>
    /// Opens a split. <paramref name="root"/> may be the VOC2012 folder itself, a folder holding
    /// <c>VOC2012/</c>, or a VOCdevkit parent holding <c>VOCdevkit/VOC2012/</c>.
    /// </summary>
    /// <exception cref="DatasetException">No VOC layout or no list for the split was found (<see cref="DatasetProblem.InvalidLayout"/>).</exception>
    public static VocDataset Open(string root, string split = "train", DatasetReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(split);
        string full = Path.GetFullPath(root);
        string? vocRoot = new[] { full, Path.Combine(full, "VOC2012"), Path.Combine(full, "VOCdevkit", "VOC2012") }
            .FirstOrDefault(candidate => Directory.Exists(Path.Combine(candidate, "ImageSets", "Segmentation")));
        if (vocRoot is null)
        {
            throw new DatasetException(DatasetProblem.InvalidLayout,
                $"'{full}' is not a VOC 2012 folder: ImageSets/Segmentation was not found in it, in VOC2012/ or in VOCdevkit/VOC2012/.", filePath: full);
        }

        string listDirectory = Path.Combine(vocRoot, "ImageSets", "Segmentation");
        string list = Path.Combine(listDirectory, split + ".txt");
        if (!File.Exists(list))
        {
            string available = string.Join(", ", Directory.EnumerateFiles(listDirectory, "*.txt").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal));
            throw new DatasetException(DatasetProblem.InvalidLayout,
                $"VOC split '{split}' has no list {list}; available splits: {(available.Length > 0 ? available : "none")}.", filePath: list);
        }

        var samples = File.ReadLines(list)
            .Select(line => line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries))
            .Where(tokens => tokens.Length > 0)
            .Select(tokens => tokens[0])
            .Select(id => new SegmentationSample(id, Path.Combine(vocRoot, "JPEGImages", id + ".jpg"), Path.Combine(vocRoot, "SegmentationClass", id + ".png")));
        return new VocDataset(vocRoot, split, samples, options);
    }
}
