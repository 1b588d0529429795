using System.Globalization;
using Segmentation.ML;
using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Spectre.Console;

namespace Segmentation.Cli.Commands;

/// <summary>Scores a dataset with a model and shows the pixel metrics: shared by <c>segml evaluate</c> and <c>segml train --val-split</c>.</summary>
internal static class ModelEvaluation
{
    /// <summary>The column every segml model writes its label maps to.</summary>
    public const string PredictionColumn = "PredictedLabel";

    /// <summary>Refuses a model whose saved input schema names a column <paramref name="supplied"/> lacks or types differently.</summary>
    /// <exception cref="CommandFailedException">The message names the column and what the command supplies.</exception>
    public static void RequireInputs(DataViewSchema modelInput, DataViewSchema supplied, string modelPath, string supplier)
    {
        foreach (var column in modelInput.Visible)
            if (supplied.GetColumnOrNull(column.Name)?.Type is not { } type || !type.Equals(column.Type))
                throw new CommandFailedException(
                    $"'{modelPath}' reads a column '{column.Name}' ({column.Type}) that {supplier} cannot supply; it supplies {supplied.Describe()}. " +
                    "Models written by `segml train` read only ImagePath (Text).");
    }

    /// <summary>The model's label-map output and its classes, checked against what the model is given.</summary>
    /// <exception cref="SchemaException">The model needs a column <paramref name="inputSchema"/> lacks.</exception>
    /// <exception cref="CommandFailedException">The model writes no <see cref="PredictionColumn"/> label map.</exception>
    public static LabelMapDataViewType PredictionType(ITransformer model, DataViewSchema inputSchema, string modelPath)
    {
        var output = model.GetOutputSchema(inputSchema);
        return output.GetColumnOrNull(PredictionColumn)?.Type as LabelMapDataViewType
            ?? throw new CommandFailedException($"'{modelPath}' writes no '{PredictionColumn}' label map; its output columns are: {output.Describe()}.");
    }

    /// <summary>The dataset with the model's predictions, after checking that the model predicts the dataset's classes.</summary>
    /// <exception cref="CommandFailedException">The model predicts other classes than the dataset's labels hold.</exception>
    public static IDataView Score(ITransformer model, DatasetDataView data, string modelPath)
    {
        var predicted = PredictionType(model, data.Schema, modelPath).Classes;
        var truth = data.Dataset.Classes;
        if (!predicted.ClassNames.SequenceEqual(truth.ClassNames, StringComparer.Ordinal))
            throw new CommandFailedException(
                $"'{modelPath}' predicts the {predicted.ClassCount} classes of {predicted.Name} ({Names(predicted)}) but the labels of {truth.Name} {data.Dataset.Split} " +
                $"are {truth.ClassCount} classes ({Names(truth)}); evaluate a model on data with the classes it was trained on.");
        return model.Transform(data);
    }

    /// <summary>Streams the scored rows into the metrics, with a progress bar unless <paramref name="quiet"/>.</summary>
    public static SegmentationMetrics Evaluate(SegmentationContext context, IDataView scored, string description, bool quiet)
    {
        if (quiet) return context.Evaluation.Evaluate(scored, "Label", PredictionColumn);
        return ProgressDisplay.Run(description, scored.GetRowCount() ?? 0,
            task => context.Evaluation.Evaluate(scored, "Label", PredictionColumn, ProgressDisplay.Follow(task)));
    }

    /// <summary>The summary metrics and the per-class rows as two tables; absent and predicted-only classes are marked.</summary>
    public static void WriteTables(SegmentationMetrics metrics)
    {
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
