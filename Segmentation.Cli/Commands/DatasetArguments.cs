using System.CommandLine;
using Segmentation.ML.Data;

namespace Segmentation.Cli.Commands;

/// <summary>The one vocabulary every dataset-reading command shares: --dataset, --data, --split.</summary>
internal sealed class DatasetArguments
{
    public Option<string> Dataset { get; } = new("--dataset")
    {
        Description = "Dataset layout: voc (VOCdevkit), camvid (SegNet layout) or folder (images/ + masks/ + classes.json).",
        Required = true,
    };

    public Option<DirectoryInfo> Data { get; } = new("--data")
    {
        Description = "The dataset's root folder (see data/README.md for each layout).",
        Required = true,
    };

    public Option<string> Split { get; }

    public DatasetArguments(string defaultSplit)
    {
        Dataset.AcceptOnlyFromAmong("voc", "camvid", "folder");
        Split = new Option<string>("--split")
        {
            Description = $"Which part to read: train, val, trainval (VOC), test (CamVid); for --dataset folder the subfolder of images/ and masks/, " +
                          $"or \"\" for a folder dataset without splits (images/ and masks/ themselves); default {defaultSplit}.",
            DefaultValueFactory = _ => defaultSplit,
        };
    }

    public IEnumerable<Option> All => [Dataset, Data, Split];

    /// <summary>Opens the dataset the options name: the --split list, or <paramref name="split"/> when set (for --val-split).</summary>
    /// <exception cref="DatasetException">The layout is wrong or a list names missing files.</exception>
    public SegmentationDataset Open(ParseResult parse, DatasetReadOptions? options = null, string? split = null)
    {
        string root = parse.GetValue(Data)!.FullName;
        split ??= parse.GetValue(Split)!;
        return parse.GetValue(Dataset) switch
        {
            "voc" => VocDataset.Open(root, split, options),
            "camvid" => CamVidDataset.Open(root, split, options),
            _ => FolderDataset.Open(root, split, options),
        };
    }
}
