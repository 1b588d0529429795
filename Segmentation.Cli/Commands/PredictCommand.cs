using System.CommandLine;
using System.Diagnostics;
using Segmentation.ML.Imaging;
using Segmentation.ML.Onnx;
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
        var augmentation = new AugmentationArguments();
        var command = new Command("predict",
            "Predict a label map for every input image with a saved model. Every file is written to a temporary name and moved into place, " +
            "so Ctrl+C leaves only complete files.")
        {
            model, inputs, output, overlay, augmentation.Mirror, augmentation.Scales,
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

            using var loaded = SegmentationModel.Load(modelPath);
            Directory.CreateDirectory(outputFolder);

            var clock = Stopwatch.StartNew();
            int written = ProgressDisplay.Run($"Predicting {images.Count:N0} images", images.Count,
                task => Predict(context, loaded, images, augmentation.Read(parse), outputFolder, withOverlays, task));
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

    /// <summary>Predicts each image at its own size with the model's graph and writes its label map (and overlay) atomically.</summary>
    private static int Predict(CommandContext context, SegmentationModel model, List<ImageRow> images, TestTimeAugmentation augmentation, string outputFolder, bool withOverlays, ProgressTask task)
    {
        var classes = model.Classes;
        var overlayColours = classes.Palette ?? Palette.Voc;
        int written = 0;
        foreach (var row in images)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var picture = MLImages.LoadRgb(row.ImagePath);
            var labels = model.Predict(picture, augmentation, context.CancellationToken);
            PngEncoder.Save(labels, Path.Combine(outputFolder, row.Id + ".png"), classes.Palette);
            if (withOverlays)
                PngEncoder.Save(Overlay.Blend(picture, labels, overlayColours), Path.Combine(outputFolder, row.Id + ".overlay.png"), OverlayEncoding);
            task.Value = ++written;
        }
        return written;
    }

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
