using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Segmentation.ML.Onnx;
using Spectre.Console;

namespace Segmentation.Cli.Commands;

/// <summary><c>segml train</c>: fit a trainer's pipeline on a dataset split and save the model zip predict and evaluate read.</summary>
internal static class TrainCommand
{
    /// <summary>What a saved model reads: the image file's path. Everything from there to the label map is inside the model.</summary>
    private static readonly DataViewSchema PredictionInput = ImagePathSchema();

    public static Command Create()
    {
        var trainers = TrainerChoice.CreateAvailable();
        var dataset = new DatasetArguments("train");
        var validation = new Option<string>("--val-split")
        {
            Description = "After training, evaluate on this split of the same dataset (e.g. val) and print the metrics table. Default: no evaluation.",
            HelpName = "SPLIT",
        };
        var trainer = new Option<string>("--trainer")
        {
            Description = "What to train. " + string.Join(" ", trainers.Select(t => $"{t.Name}: {t.Summary}.")),
            Required = true,
        };
        trainer.AcceptOnlyFromAmong([.. trainers.Select(t => t.Name)]);
        var seed = new Option<int?>("--seed")
        {
            Description = "Seed every random choice the trainer makes (sampling, augmentation, initialisation), so a run repeats exactly; pixel-prior makes none. Default: a fresh seed each run.",
            HelpName = "N",
        };
        var output = new Option<FileInfo>("--out")
        {
            Description = "The model zip to write (its folder is created). It is written to a temporary file and moved into place, so an interrupted run leaves no file.",
            Required = true,
            HelpName = "model.zip",
        };
        var command = new Command("train",
            "Train a segmentation model on a dataset split and save it as a model zip. The zip holds every step from an image file to a label map " +
            "(image decoding included) with the class names and palette, so `segml evaluate` and `segml predict` need nothing else.");
        CommandHelp.AddSections(command,
            "segml train --dataset camvid --data ../shared/data/camvid --split train --val-split val --trainer pixel-prior --out prior.zip\n" +
            "segml train --dataset folder --data my-scenes --split train --trainer pixel-prior --grid-width 32 --grid-height 24 --out scenes.zip",
            "0 trained and saved; 1 failure (the message names the file and the problem); 2 usage error; 130 cancelled with Ctrl+C (no model file is left).");
        foreach (var option in dataset.All) command.Options.Add(option);
        command.Options.Add(validation);
        command.Options.Add(trainer);
        foreach (var option in trainers.SelectMany(t => t.Options)) command.Options.Add(option);
        command.Options.Add(seed);
        command.Options.Add(output);
        command.Validators.Add(result => RefuseOtherTrainersOptions(result, trainer, trainers));

        command.SetAction((parse, cancellation) => Task.FromResult(ModelCommandRunner.Run(cancellation, parse.GetValue(seed), context =>
        {
            string name = parse.GetValue(trainer)!;
            using var choice = trainers.Single(t => t.Name == name);
            string modelPath = parse.GetValue(output)!.FullName;

            var data = DatasetViews.Open(parse, dataset);
            string? validationSplit = parse.GetValue(validation);
            var validationData = validationSplit is null ? null : DatasetViews.Open(parse, dataset, validationSplit);
            using var releases = choice;
            var pipeline = choice.CreatePipeline(context, parse, validationData);

            var clock = Stopwatch.StartNew();
            string title = $"Training {choice.Name}";
            var model = ProgressDisplay.Run(title, (data.GetRowCount() ?? 0) * choice.Passes(parse), task =>
            {
                void ShowLog(string message) => task.Description = $"{Markup.Escape(title)} [grey]{Markup.Escape(Shorten(message, 40))}[/]";
                context.Log += ShowLog;
                try
                {
                    return pipeline.Fit(new CountingDataView(data, rows => task.Value = rows));
                }
                finally
                {
                    context.Log -= ShowLog;
                }
            });
            var trainingTime = clock.Elapsed;
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(modelPath)!);
                context.ML.Model.SaveAtomically(model, PredictionInput, modelPath);
            }
            finally
            {
                (model as IDisposable)?.Dispose();
            }
            Console.WriteLine($"Trained {choice.Name} on {DatasetViews.Describe(data)} in {Seconds(trainingTime)}.");
            foreach (string line in choice.TrainingReport()) Console.WriteLine("  " + line);
            Console.WriteLine($"Model saved to {modelPath} ({new FileInfo(modelPath).Length / 1024.0:F1} KiB).");

            if (validationData is not null)
            {
                clock.Restart();
                using var saved = SegmentationModel.Load(modelPath);
                var metrics = ModelEvaluation.Evaluate(context, saved, validationData.Dataset, TestTimeAugmentation.None, $"Evaluating on {DatasetViews.Describe(validationData)}", quiet: false);
                Console.WriteLine($"Evaluated on {DatasetViews.Describe(validationData)} in {Seconds(clock.Elapsed)}:");
                ModelEvaluation.WriteTables(metrics);
            }
            return ExitCodes.Success;
        })));
        return command;
    }

    /// <summary>A trainer's options are refused with another trainer, rather than silently ignored.</summary>
    private static void RefuseOtherTrainersOptions(CommandResult result, Option<string> trainer, IReadOnlyList<TrainerChoice> trainers)
    {
        string? chosen = result.GetValue(trainer);
        if (chosen is null) return;
        foreach (var other in trainers.Where(t => t.Name != chosen))
            foreach (var option in other.Options)
                if (result.GetResult(option) is { Implicit: false })
                    result.AddError($"{option.Name} applies to --trainer {other.Name} only, not to --trainer {chosen}.");
    }

    /// <summary>The latest log line shares the row with the bar, so it is kept short enough to leave the bar room.</summary>
    private static string Shorten(string message, int length) => message.Length <= length ? message : message[..(length - 1)] + "…";

    private static string Seconds(TimeSpan time) => $"{time.TotalSeconds:F1} s";

    private static DataViewSchema ImagePathSchema()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("ImagePath", TextDataViewType.Instance);
        return builder.ToSchema();
    }
}
