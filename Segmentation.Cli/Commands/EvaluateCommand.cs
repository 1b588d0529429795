using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segmentation.ML.Onnx;
using Segmentation.ML.Visualization;

namespace Segmentation.Cli.Commands;

/// <summary><c>segml evaluate</c>: a saved model's pixel metrics on a dataset split.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model")
        {
            Description = "The model zip written by `segml train`.",
            Required = true,
            HelpName = "model.zip",
        };
        var dataset = new DatasetArguments("val");
        var json = new Option<bool>("--json")
        {
            Description = "Print exactly one JSON object instead of tables: model, dataset, data, split, images, pixel_accuracy, mean_class_accuracy, " +
                          "mean_class_precision, mean_iou, fw_iou (fractions in [0, 1]; null when every mask pixel is void), counted_pixels, ignored_pixels and per_class rows " +
                          "(presence in_truth, predicted_only or absent; absent rows carry nulls), and report (the index.html written, with --report).",
        };
        var confusion = new Option<FileInfo>("--confusion")
        {
            Description = "Also write the confusion matrix as CSV: a header of predicted class names, one row of pixel counts per truth class. Written atomically.",
            HelpName = "FILE.csv",
        };
        var report = new Option<DirectoryInfo>("--report")
        {
            Description = "Also write an HTML report to this folder: index.html with the metrics, the per-class table, the confusion heatmap, " +
                          "per-class IoU bars and image | ground truth | prediction pictures, beside its PNG/SVG files, metrics.json and confusion.csv. " +
                          "Opens offline in any browser. Built in a temporary folder and moved into place; a folder holding an earlier report is replaced.",
            HelpName = "DIR",
        };
        var reportExamples = new Option<int>("--report-examples")
        {
            Description = "How many images the report shows side by side, spread evenly over the split.",
            DefaultValueFactory = _ => 6,
            HelpName = "N",
        };
        reportExamples.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 0 or > 100) result.AddError("--report-examples must be between 0 and 100.");
        });
        var augmentation = new AugmentationArguments();
        var command = new Command("evaluate",
            "Score every image of a dataset split with a saved model and report pixel accuracy, mean class accuracy, mean class precision, " +
            "mean IoU and frequency-weighted IoU, then precision, recall and IoU per class. The dataset's ignore label is skipped; classes " +
            "neither in the truth nor predicted are reported as absent and left out of the means.")
        {
            model,
        };
        CommandHelp.AddSections(command,
            "segml evaluate --model prior.zip --dataset camvid --data ../shared/data/camvid --split val\n" +
            "segml evaluate --model prior.zip --dataset camvid --data ../shared/data/camvid --json --confusion confusion.csv\n" +
            "segml evaluate --model camvid.zip --dataset camvid --data data/camvid --split val --report camvid-report",
            "0 evaluated; 1 failure (missing or corrupt model, unreadable dataset or image, a report folder holding other files; the message names the file); 2 usage error; 130 cancelled with Ctrl+C (no partial CSV or report).");
        foreach (var option in dataset.All) command.Options.Add(option);
        command.Options.Add(json);
        command.Options.Add(confusion);
        command.Options.Add(report);
        command.Options.Add(reportExamples);
        foreach (var option in augmentation.All) command.Options.Add(option);

        command.SetAction((parse, cancellation) => Task.FromResult(ModelCommandRunner.Run(cancellation, seed: null, context =>
        {
            string modelPath = parse.GetValue(model)!.FullName;
            string? confusionPath = parse.GetValue(confusion)?.FullName;
            if (confusionPath is not null && Directory.Exists(confusionPath))
                throw new CommandFailedException($"--confusion {confusionPath} is a folder; give the CSV file to write.");
            bool quiet = parse.GetValue(json);
            string? reportPath = parse.GetValue(report)?.FullName;
            if (reportPath is not null) EvaluationReport.CheckTarget(reportPath);

            using var loaded = SegmentationModel.Load(modelPath);
            var data = DatasetViews.Open(parse, dataset);
            var examples = reportPath is null ? null : new ReportExamples(data.Dataset, parse.GetValue(reportExamples));
            var clock = Stopwatch.StartNew();
            var metrics = ModelEvaluation.Evaluate(context, loaded, data.Dataset, augmentation.Read(parse), $"Evaluating on {DatasetViews.Describe(data)}", quiet, examples is null ? null : examples.Keep);
            var elapsed = clock.Elapsed;
            if (reportPath is not null)
            {
                new EvaluationReport
                {
                    Title = $"{Path.GetFileName(modelPath)} on {DatasetViews.Describe(data)}",
                    Metrics = metrics,
                    Classes = data.Dataset.Classes,
                    Details =
                    [
                        new("model", modelPath),
                        new("dataset", $"{parse.GetValue(dataset.Dataset)} {data.Dataset.Split} in {data.Dataset.Root}"),
                        new("images", $"{data.GetRowCount():N0}"),
                        new("evaluated in", $"{elapsed.TotalSeconds:F1} s"),
                    ],
                    Examples = examples!.Collect(),
                }.Save(reportPath, context.CancellationToken);
            }
            // Written last: the report can still be cancelled, and a cancelled run must leave nothing new behind.
            if (confusionPath is not null) AtomicFile.WriteAllText(confusionPath, metrics.ConfusionToCsv());

            if (quiet)
            {
                var result = new JsonObject
                {
                    ["model"] = modelPath,
                    ["dataset"] = parse.GetValue(dataset.Dataset),
                    ["data"] = data.Dataset.Root,
                    ["split"] = data.Dataset.Split,
                    ["images"] = data.GetRowCount(),
                };
                foreach (var (key, value) in metrics.ToJsonObject()) result[key] = value?.DeepClone();
                if (reportPath is not null) result["report"] = Path.Combine(reportPath, "index.html");
                Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Success;
            }
            Console.WriteLine($"{modelPath} on {DatasetViews.Describe(data)}, evaluated in {elapsed.TotalSeconds:F1} s " +
                              $"({data.GetRowCount() / Math.Max(elapsed.TotalSeconds, 1e-9):F1} images/s):");
            ModelEvaluation.WriteTables(metrics);
            if (confusionPath is not null) Console.WriteLine($"Confusion matrix written to {confusionPath}.");
            if (reportPath is not null) Console.WriteLine($"Report written to {Path.Combine(reportPath, "index.html")}.");
            return ExitCodes.Success;
        })));
        return command;
    }
}
