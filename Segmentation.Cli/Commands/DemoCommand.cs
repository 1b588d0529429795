using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Imaging;
using Segmentation.ML.Onnx;
using Segmentation.ML.Trainers;
using Spectre.Console;

namespace Segmentation.Cli.Commands;

/// <summary>
/// <c>segml demo</c>: the whole method offline in about a minute — synthetic scenes, hypercolumns from ML.NET's
/// ImageNet-pretrained ResNet-18 (it comes with the NuGet package the library references: nothing is downloaded),
/// stage A and stage B training, evaluation, overlays — and what real use needs.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Where the synthetic dataset, the model and the overlays go (default data/demo).",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("data", "demo")),
            HelpName = "DIR",
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the scenes and of training.", DefaultValueFactory = _ => 1 };
        var command = new Command("demo", $"Run the real pipeline end to end, offline: generate small synthetic street scenes, extract hypercolumns with ML.NET's ImageNet-pretrained ResNet-18 (from the NuGet package {MLNetResNet18.PackageId}, no download), train stage A (sampled pixels) and stage B (whole images), evaluate, and write prediction overlays. Takes about a minute.")
        {
            output, seed,
        };
        command.SetAction((parse, cancellation) => Task.FromResult(ModelCommandRunner.Run(cancellation, parse.GetValue(seed), context =>
        {
            var clock = Stopwatch.StartNew();
            string root = parse.GetValue(output)!.FullName;
            string data = Path.Combine(root, "dataset");
            if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
            SyntheticScenes.Generate(data, trainCount: 60, valCount: 20, width: 192, height: 144, seed: parse.GetValue(seed));
            Console.WriteLine($"Generated 60 training and 20 validation scenes (192×144, {SyntheticScenes.Classes.ClassCount} classes) in {data}.");

            using var backbone = ResNet.LoadMLNetResNet18();
            Console.WriteLine($"Backbone: ML.NET's ImageNet ResNet-18 ({MLNetResNet18.PackageId} {MLNetResNet18.PackageVersion}), taps {string.Join(", ", backbone.DefaultTaps)}.");
            var ml = context.ML;
            var train = ml.Data.LoadSegmentationFolder(data, "train");
            var validation = ml.Data.LoadSegmentationFolder(data, "val");
            var loadImages = ml.Transforms.LoadImages("Image", imageFolder: null, "ImagePath");
            var reports = new List<EpochReport>();
            var pipeline = loadImages.Append(ml.MulticlassClassification.Trainers.Hypercolumns(new HypercolumnTrainer.Options
            {
                Backbone = backbone,
                OutputStride = 2,
                HiddenSizes = [256, 128],
                SparseEpochs = 20,
                DenseEpochs = 2,
                DenseLearningRate = 0.005f,
                ValidationData = loadImages.Fit(validation).Transform(validation),
                EpochCompleted = reports.Add,
                Seed = context.Seed,
                CancellationToken = context.CancellationToken,
            }));
            using var model = ProgressDisplay.Run("Training hypercolumns (stage A, then stage B)", 3L * 60, task =>
                pipeline.Fit(new CountingDataView(train, rows => task.Value = rows)));
            foreach (var report in reports.Where(r => r.Stage == "B" || r.Epoch % 5 == 0))
                Console.WriteLine($"  stage {report.Stage} epoch {report.Epoch,2}: loss {report.Loss:F3}" +
                    (report.ValidationAccuracy is double accuracy ? $", validation pixel accuracy {accuracy:P1}" : "") +
                    (report.ValidationMeanIoU is double iou ? $", validation mean IoU {iou:P1}" : ""));

            string modelPath = Path.Combine(root, "model.zip");
            ml.Model.SaveAtomically(model, train.Schema, modelPath);
            Console.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F0} s; model saved to {modelPath} (an ML.NET model zip: MLContext.Model.Load reads it).");

            var scored = model.Transform(validation);
            var metrics = ml.MulticlassClassification.EvaluateSegmentation(scored);
            ModelEvaluation.WriteTables(metrics);

            string overlays = Path.Combine(root, "predictions");
            Directory.CreateDirectory(overlays);
            var classes = SyntheticScenes.Classes;
            foreach (var (path, keys) in scored.GetColumn<string>("ImagePath").Zip(scored.GetColumn<VBuffer<uint>>("PredictedLabel")).Take(6))
            {
                var image = MLImages.LoadRgb(path);
                var predicted = LabelMapColumn.ToLabelMap(keys, image.Width, image.Height, classes.ClassCount, classes.IgnoreValue ?? (byte)classes.ClassCount);
                PngEncoder.Save(Overlay.Blend(image, predicted, classes.Palette!), Path.Combine(overlays, Path.GetFileNameWithoutExtension(path) + ".overlay.png"));
            }
            Console.WriteLine($"Wrote 6 prediction overlays to {overlays}. Total {clock.Elapsed.TotalSeconds:F0} s.");
            Console.WriteLine("""

                This was a demonstration: ImageNet-pretrained features, but SYNTHETIC scenes (flat shapes and noise, not photos).
                Real segmentation needs real data:
                  segml data fetch camvid --dest data
                  segml train --dataset camvid --data data/camvid --split train --val-split val --trainer hypercolumns --backbone resnet18 --out camvid.zip
                  segml evaluate --model camvid.zip --dataset camvid --data data/camvid --split val
                  segml predict --model camvid.zip my-photos/ --out predictions --overlay
                or torchvision's weights: segml weights fetch mobilenet_v2, then --weights mobilenet_v2 instead of --backbone resnet18.
                """);
            return ExitCodes.Success;
        })));
        return command;
    }
}
