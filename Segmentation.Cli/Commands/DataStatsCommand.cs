using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segmentation.ML.Data;
using Spectre.Console;

namespace Segmentation.Cli.Commands;

/// <summary><c>segml data stats</c>: class pixel shares and images per class, from the masks alone.</summary>
internal static class DataStatsCommand
{
    public static Command Create()
    {
        var dataset = new DatasetArguments("train");
        var json = new Option<bool>("--json") { Description = "Print one JSON object with images_per_class and pixel_share keyed by class name." };
        var command = new Command("stats", "Count, from the masks alone, each class's share of the pixels and the images it appears in. Works on a VOC tree without JPEGs.");
        foreach (var option in dataset.All) command.Options.Add(option);
        command.Options.Add(json);
        command.SetAction((parse, cancellation) => Task.FromResult(CommandRunner.Run(() =>
        {
            var data = dataset.Open(parse, new DatasetReadOptions { SkipInvalidSamples = true });
            DatasetStatistics statistics = null!;
            if (parse.GetValue(json))
                statistics = DatasetStatistics.Compute(data, cancellationToken: cancellation);
            else
                AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(context =>
                    {
                        var task = context.AddTask($"Reading {data.Samples.Count} masks", maxValue: data.Samples.Count);
                        statistics = DatasetStatistics.Compute(data, new DatasetStatisticsOptions { Progress = new Progress<int>(done => task.Value = done) }, cancellation);
                        task.Value = data.Samples.Count;
                    });
            if (parse.GetValue(json)) PrintJson(parse, dataset, data, statistics);
            else PrintTable(data, statistics);
            foreach (var skipped in statistics.SkippedSamples)
                Console.Error.WriteLine($"skipped: {skipped.Reason.Message}");
            if (statistics.ImageCount == 0)
                throw new CommandFailedException(data.Samples.Count == 0
                    ? $"The {data.Split} split of '{data.Root}' has no samples; check --data and --split."
                    : $"None of the {data.Samples.Count:N0} samples of the {data.Split} split of '{data.Root}' has a usable mask; see the skipped samples above.");
            return ExitCodes.Success;
        })));
        return command;
    }

    private static void PrintJson(ParseResult parse, DatasetArguments dataset, SegmentationDataset data, DatasetStatistics statistics)
    {
        var images = new JsonObject();
        var shares = new JsonObject();
        for (int c = 0; c < data.Classes.ClassCount; c++)
        {
            images[data.Classes.ClassNames[c]] = statistics.ImagesPerClass[c];
            shares[data.Classes.ClassNames[c]] = Math.Round(statistics.GetPixelShare(c), 6);
        }
        var result = new JsonObject
        {
            ["dataset"] = parse.GetValue(dataset.Dataset),
            ["root"] = data.Root,
            ["split"] = data.Split,
            ["images"] = statistics.ImageCount,
            ["total_pixels"] = statistics.TotalPixels,
            ["ignored_pixels"] = statistics.IgnoredPixels,
            ["ignored_share"] = Math.Round(statistics.IgnoredShare, 6),
            ["skipped_samples"] = statistics.SkippedSamples.Count,
            ["images_per_class"] = images,
            ["pixel_share"] = shares,
        };
        Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static void PrintTable(SegmentationDataset data, DatasetStatistics statistics)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Class")
            .AddColumn(new TableColumn("Images").RightAligned())
            .AddColumn(new TableColumn("Pixel share").RightAligned());
        for (int c = 0; c < data.Classes.ClassCount; c++)
            table.AddRow(Markup.Escape(data.Classes.ClassNames[c]), statistics.ImagesPerClass[c].ToString("N0"), $"{100 * statistics.GetPixelShare(c):F2} %");
        if (data.Classes.IgnoreValue is byte ignore)
            table.AddRow($"[grey]ignored ({ignore})[/]", "", $"[grey]{100 * statistics.IgnoredShare:F2} %[/]");
        AnsiConsole.MarkupLine($"{Markup.Escape(data.Classes.Name)} [bold]{Markup.Escape(data.Split)}[/]: {statistics.ImageCount:N0} masks, {statistics.TotalPixels:N0} pixels.");
        AnsiConsole.Write(table);
        if (statistics.SkippedSamples.Count > 0)
            AnsiConsole.MarkupLine($"[yellow]{statistics.SkippedSamples.Count} samples were skipped; each is listed below with its reason.[/]");
    }
}
