using System.Globalization;
using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Imaging;
using Segmentation.ML.Onnx;
using Spectre.Console;

namespace Segmentation.Cli.Commands;

/// <summary>Scores a dataset split with a model and shows the pixel metrics: shared by <c>segml evaluate</c> and <c>segml train --val-split</c>.</summary>
internal static class ModelEvaluation
{
    /// <summary>
    /// Predicts every sample of <paramref name="data"/> at its own size and counts it against its mask, with a progress
    /// bar unless <paramref name="quiet"/>; <paramref name="visit"/> sees each (row, sample, image, truth, prediction).
    /// </summary>
    /// <exception cref="CommandFailedException">The model predicts other classes than the dataset's labels hold.</exception>
    public static SegmentationMetrics Evaluate(CommandContext context, SegmentationModel model, SegmentationDataset data, TestTimeAugmentation augmentation, string description, bool quiet,
        Action<int, SegmentationSample, RgbImage, LabelMap, LabelMap>? visit = null)
    {
        var predicted = model.Classes;
        var truth = data.Classes;
        if (!predicted.ClassNames.SequenceEqual(truth.ClassNames, StringComparer.Ordinal))
            throw new CommandFailedException(
                $"'{model.Path}' predicts the {predicted.ClassCount} classes of {predicted.Name} ({Names(predicted)}) but the labels of {truth.Name} {data.Split} " +
                $"are {truth.ClassCount} classes ({Names(truth)}); evaluate a model on data with the classes it was trained on.");
        var matrix = new ConfusionMatrix(truth.ClassCount, truth.IgnoreValue);
        void Count(Action<int>? progress)
        {
            for (int row = 0; row < data.Samples.Count; row++)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                var sample = data.Samples[row];
                var (_, image, labels) = data.Load(sample);
                var prediction = model.Predict(image, augmentation, context.CancellationToken);
                matrix.Add(labels.Labels, prediction.Labels);
                visit?.Invoke(row, sample, image, labels, prediction);
                progress?.Invoke(row + 1);
            }
        }
        if (quiet) Count(null);
        else ProgressDisplay.Run(description, data.Samples.Count, task =>
        {
            Count(done => task.Value = done);
            return 0;
        });
        return matrix.ComputeMetrics(truth.ClassNames);
    }

    /// <summary>The summary metrics and the per-class rows as two tables; absent and predicted-only classes are marked.</summary>
    public static void WriteTables(SegmentationMetrics metrics)
    {
        if (metrics.CountedPixels == 0)
        {
            AnsiConsole.MarkupLine($"[yellow]No class is present: every mask pixel is void (the ignore label, {metrics.IgnoredPixels.ToString("N0", CultureInfo.InvariantCulture)} pixels), " +
                                   "so there is nothing to score; evaluate on masks that label some pixels with a class.[/]");
            return;
        }
        var summary = new Table().Border(TableBorder.Rounded)
            .AddColumn("Metric")
            .AddColumn(new TableColumn("Value").RightAligned());
        summary.AddRow("Pixel accuracy", Percent(metrics.PixelAccuracy));
        summary.AddRow("Mean class accuracy", Percent(metrics.MeanClassAccuracy));
        summary.AddRow("Mean class precision", Percent(metrics.MeanClassPrecision));
        summary.AddRow("[bold]Mean IoU[/]", $"[bold]{Percent(metrics.MeanIoU)}[/]");
        summary.AddRow("Frequency-weighted IoU", Percent(metrics.FrequencyWeightedIoU));
        summary.AddRow("Pixels counted", metrics.CountedPixels.ToString("N0", CultureInfo.InvariantCulture));
        summary.AddRow("Pixels ignored", metrics.IgnoredPixels.ToString("N0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(summary);

        var perClass = new Table().Border(TableBorder.Rounded)
            .AddColumn("Class")
            .AddColumn(new TableColumn("Truth px").RightAligned())
            .AddColumn(new TableColumn("Predicted px").RightAligned())
            .AddColumn(new TableColumn("Precision").RightAligned())
            .AddColumn(new TableColumn("Recall").RightAligned())
            .AddColumn(new TableColumn("IoU").RightAligned());
        foreach (var row in metrics.PerClass)
        {
            string name = Markup.Escape(row.Name) + row.Presence switch
            {
                ClassPresence.Absent => " [grey](absent: not in the truth, never predicted)[/]",
                ClassPresence.PredictedOnly => " [yellow](predicted only: not in the truth)[/]",
                _ => "",
            };
            perClass.AddRow(name, row.TruthPixels.ToString("N0", CultureInfo.InvariantCulture), row.PredictedPixels.ToString("N0", CultureInfo.InvariantCulture),
                Percent(row.Precision), Percent(row.Recall), Percent(row.IoU));
        }
        AnsiConsole.Write(perClass);
        AnsiConsole.MarkupLine("[grey]Recall is the class accuracy. Absent classes are left out of every mean; predicted-only ones count in mean precision and mean IoU.[/]");
    }

    private static string Percent(double? value) => value is double v ? (100 * v).ToString("F1", CultureInfo.InvariantCulture) + " %" : "—";

    private static string Names(SegmentationClassSet classes) =>
        string.Join(", ", classes.ClassNames.Take(6)) + (classes.ClassCount > 6 ? ", …" : "");
}
