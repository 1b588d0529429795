using System.CommandLine;
using System.Diagnostics;
using Segmentation.ML;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Spectre.Console;

namespace Segmentation.Cli.Commands;

/// <summary><c>segml predict</c>: label maps (and overlays) for image files with a saved model.</summary>
internal static class PredictCommand
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg"];

    /// <summary>Overlays are for looking at: fast zlib makes them several times quicker to write, at some size.</summary>
    private static readonly PngEncoderOptions OverlayEncoding = new() { Compression = System.IO.Compression.CompressionLevel.Fastest };

    public static Command Create()
    {
        var model = new Option<FileInfo>("--model")
        {
            Description = "The model zip written by `segml train`.",
            Required = true,
            HelpName = "model.zip",
        };
        var inputs = new Argument<string[]>("INPUT")
        {
            Description = "Image files (PNG or JPEG), or folders whose .png/.jpg/.jpeg files (not subfolders) are all predicted, in name order.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Folder for the results (created if missing): DIR/<name>.png, the predicted label map at the image's size, " +
                          "as a palette PNG in the model's class colours (a gray PNG of class indices when the classes have no palette).",
            Required = true,
            HelpName = "DIR",
        };
        var overlay = new Option<bool>("--overlay")
        {
            Description = "Also write DIR/<name>.overlay.png: the image blended 50/50 with the colour of each pixel's predicted class.",
        };
        var mirror = new Option<bool>("--mirror")
        {
            Description = "Hypercolumn models: also predict the left–right mirrored image and average the scores (test-time augmentation; about half the speed).",
        };
        var command = new Command("predict",
            "Predict a label map for every input image with a saved model. Every file is written to a temporary name and moved into place, " +
            "so Ctrl+C leaves only complete files.")
        {
            model, inputs, output, overlay, mirror,
        };
        CommandHelp.AddSections(command,
            "segml predict --model prior.zip ../shared/data/camvid/val --out predictions --overlay\n" +
            "segml predict --model prior.zip street.jpg other.png --out predictions",
            "0 all predicted; 1 failure (missing or corrupt model, missing or undecodable image; the message names the file); 2 usage error; 130 cancelled with Ctrl+C (only complete files are left).");

        command.SetAction((parse, cancellation) => Task.FromResult(ModelCommandRunner.Run(cancellation, seed: null, context =>
        {
            string modelPath = parse.GetValue(model)!.FullName;
            string outputFolder = parse.GetValue(output)!.FullName;
            bool withOverlays = parse.GetValue(overlay);
            var images = ListImages(parse.GetValue(inputs)!);
            CheckOutputs(images, outputFolder, withOverlays);

            var stored = context.Model.Load(modelPath, out var modelInput);
            using var loaded = parse.GetValue(mirror) ? stored.WithMirrorTestTime(true) : stored;
            var rows = DataView.FromEnumerable(images);
            ModelEvaluation.RequireInputs(modelInput, rows.Schema, modelPath, "predict (from image files)");
            var prediction = ModelEvaluation.PredictionType(loaded, rows.Schema, modelPath);
            Directory.CreateDirectory(outputFolder);

            var clock = Stopwatch.StartNew();
            int written = ProgressDisplay.Run($"Predicting {images.Count:N0} images", images.Count,
                task => Predict(context, loaded.Transform(rows), prediction.Classes, outputFolder, withOverlays, task));
            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            Console.WriteLine($"Wrote {written:N0} label maps{(withOverlays ? $" and {written:N0} overlays" : "")} to {outputFolder} " +
                              $"in {seconds:F1} s: {written / seconds:F1} images/s.");
            return ExitCodes.Success;
        })));
        return command;
    }

    /// <summary>One row per image file; the Id is the output name.</summary>
    private sealed class ImageRow
    {
        public required string Id { get; init; }

        public required string ImagePath { get; init; }
    }

    private static int Predict(SegmentationContext context, IDataView predicted, SegmentationClassSet classes, string outputFolder, bool withOverlays, ProgressTask task)
    {
        var id = predicted.Schema["Id"];
        var label = predicted.Schema[ModelEvaluation.PredictionColumn];
        var path = predicted.Schema["ImagePath"];
        var image = withOverlays && predicted.Schema.GetColumnOrNull("Image") is { Type: ImageDataViewType } column ? column : null;
        var overlayColours = classes.Palette ?? Palette.Voc;
        using var cursor = predicted.GetRowCursor(image is null ? [id, label, path] : [id, label, path, image]);
        var idGetter = cursor.GetGetter<string>(id);
        var labelGetter = cursor.GetGetter<LabelMap>(label);
        var pathGetter = cursor.GetGetter<string>(path);
        var imageGetter = image is null ? null : cursor.GetGetter<RgbImage>(image);
        string name = null!, source = null!;
        LabelMap labels = null!;
        RgbImage picture = null!;
        int written = 0;
        while (true)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (!cursor.MoveNext()) break;
            idGetter(ref name);
            labelGetter(ref labels);
            PngEncoder.Save(labels, Path.Combine(outputFolder, name + ".png"), classes.Palette);
            if (withOverlays)
            {
                pathGetter(ref source);
                if (imageGetter is not null) imageGetter(ref picture);
                if (imageGetter is null || picture.Width != labels.Width || picture.Height != labels.Height) picture = ImageDecoder.DecodeRgb(source);
                if (picture.Width != labels.Width || picture.Height != labels.Height)
                    throw new CommandFailedException($"The prediction for '{source}' is {labels.Width}×{labels.Height} but the image is {picture.Width}×{picture.Height}; cannot overlay them.");
                PngEncoder.Save(Overlay.Blend(picture, labels, overlayColours), Path.Combine(outputFolder, name + ".overlay.png"), OverlayEncoding);
            }
            task.Value = ++written;
        }
        return written;
    }

    /// <summary>The image files the inputs name, each once, in the order given (a folder's files in name order).</summary>
    private static List<ImageRow> ListImages(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (string input in inputs)
        {
            string full = Path.GetFullPath(input);
            if (Directory.Exists(full))
            {
                var found = Directory.EnumerateFiles(full)
                    .Where(file => ImageExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0) throw new CommandFailedException($"The folder '{full}' holds no .png, .jpg or .jpeg files.");
                files.AddRange(found);
            }
            else if (File.Exists(full))
            {
                files.Add(full);
            }
            else
            {
                throw new CommandFailedException($"The input '{full}' does not exist (give image files or folders of them).");
            }
        }
        return files.Distinct(StringComparer.Ordinal)
            .Select(file => new ImageRow { Id = Path.GetFileNameWithoutExtension(file), ImagePath = file })
            .ToList();
    }

    /// <summary>Refuses, before any work, inputs whose results would overwrite each other or an input.</summary>
    private static void CheckOutputs(List<ImageRow> images, string outputFolder, bool withOverlays)
    {
        var inputs = images.Select(i => i.ImagePath).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var owners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var image in images)
        {
            string[] outputs = withOverlays
                ? [Path.Combine(outputFolder, image.Id + ".png"), Path.Combine(outputFolder, image.Id + ".overlay.png")]
                : [Path.Combine(outputFolder, image.Id + ".png")];
            foreach (string target in outputs)
            {
                if (inputs.Contains(target))
                    throw new CommandFailedException($"Predicting '{image.ImagePath}' would write '{target}', which is an input; choose another --out folder.");
                if (!owners.TryAdd(target, image.ImagePath))
                    throw new CommandFailedException($"'{owners[target]}' and '{image.ImagePath}' would both write '{target}'; predict them into different --out folders.");
            }
        }
    }
}
