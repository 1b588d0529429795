namespace Segmentation.ML.Data;

/// <summary>
/// CamVid in SegNet's layout: <c>{split}/</c> images, <c>{split}annot/</c> 8-bit gray label PNGs of the
/// same name, and <c>{split}.txt</c> lists whose lines <c>/SegNet/CamVid/train/X.png /SegNet/CamVid/trainannot/X.png</c>
/// carry a foreign absolute prefix; files are resolved by folder and name relative to the root.
/// </summary>
public sealed class CamVidDataset : SegmentationDataset
{
    private CamVidDataset(string root, string split, IEnumerable<SegmentationSample> samples, DatasetReadOptions? options)
        : base(root, split, SegmentationClassSet.CamVid, samples, options)
    {
    }

    /// <summary>
    /// Opens a split (train, val, test). <paramref name="root"/> may be the CamVid folder, or a folder
    /// holding <c>CamVid/</c> or <c>SegNet/CamVid/</c>. Without a list file the split folder is listed
    /// (sorted by name) and paired with <c>{split}annot/</c>.
    /// </summary>
    /// <exception cref="DatasetException">Neither a list nor a folder exists for the split (<see cref="DatasetProblem.InvalidLayout"/>).</exception>
    public static CamVidDataset Open(string root, string split = "train", DatasetReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(split);
        string full = Path.GetFullPath(root);
        string? camVidRoot = new[] { full, Path.Combine(full, "CamVid"), Path.Combine(full, "SegNet", "CamVid") }
            .FirstOrDefault(candidate => File.Exists(Path.Combine(candidate, split + ".txt")) || Directory.Exists(Path.Combine(candidate, split)));
        if (camVidRoot is null)
        {
            throw new DatasetException(DatasetProblem.InvalidLayout,
                $"'{full}' is not a CamVid (SegNet layout) folder for split '{split}': neither {split}.txt nor {split}/ was found in it, in CamVid/ or in SegNet/CamVid/.",
                filePath: full);
        }

        string list = Path.Combine(camVidRoot, split + ".txt");
        IEnumerable<SegmentationSample> samples = File.Exists(list)
            ? File.ReadLines(list).Select((line, index) => ParseListLine(camVidRoot, split, list, line, index)).OfType<SegmentationSample>()
            : Directory.EnumerateFiles(Path.Combine(camVidRoot, split), "*.png")
                .Order(StringComparer.Ordinal)
                .Select(image => new SegmentationSample(Path.GetFileNameWithoutExtension(image), image, Path.Combine(camVidRoot, split + "annot", Path.GetFileName(image))));
        return new CamVidDataset(camVidRoot, split, samples.ToArray(), options);
    }

    private static SegmentationSample? ParseListLine(string root, string split, string list, string line, int index)
    {
        string[] tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0)
        {
            return null;
        }

        if (tokens.Length > 2)
        {
            throw new DatasetException(DatasetProblem.InvalidLayout,
                $"Line {index + 1} of {list} has {tokens.Length} fields; expected 'image mask' or 'image'.", filePath: list);
        }

        string image = Relocate(root, tokens[0]);
        string mask = tokens.Length == 2
            ? Relocate(root, tokens[1])
            : Path.Combine(root, split + "annot", Path.GetFileName(image));
        return new SegmentationSample(Path.GetFileNameWithoutExtension(image), image, mask);
    }

    /// <summary>Keeps the last folder and the file name of a listed path and resolves them under the root.</summary>
    private static string Relocate(string root, string listed)
    {
        string[] parts = listed.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? Path.Combine(root, parts[^2], parts[^1]) : Path.Combine(root, parts[^1]);
    }
}
