using System.CommandLine;
using Segmentation.ML.Data;

namespace Segmentation.Cli.Commands;

/// <summary>Opens the dataset that <see cref="DatasetArguments"/> name as a data view.</summary>
internal static class DatasetViews
{
    /// <summary>The split given by --split, or <paramref name="split"/> when set (for --val-split), as a data view.</summary>
    /// <exception cref="DatasetException">The layout is wrong or the split list is missing.</exception>
    /// <exception cref="CommandFailedException">The split has no samples.</exception>
    public static DatasetDataView Open(ParseResult parse, DatasetArguments arguments, string? split = null)
    {
        var view = new DatasetDataView(arguments.Open(parse, split: split));
        if (view.GetRowCount() == 0)
            throw new CommandFailedException($"The {view.Dataset.Split} split of '{view.Dataset.Root}' has no samples; check --data and --split.");
        return view;
    }

    /// <summary>"CamVid train (367 images)".</summary>
    public static string Describe(DatasetDataView view) => $"{view.Dataset.Classes.Name} {view.Dataset.Split} ({view.GetRowCount():N0} images)";
}
