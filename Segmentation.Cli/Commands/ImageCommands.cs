using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segmentation.ML.Imaging;
using Spectre.Console;

namespace Segmentation.Cli.Commands;

/// <summary><c>segml image info</c> and <c>segml image convert</c>: the everyday check that a user's files decode.</summary>
internal static class ImageCommands
{
    public static Command Create() => new("image", "Inspect and convert image files (PNG and JPEG).") { Info(), Convert() };

    private static Command Info()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "Image files to inspect.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "One JSON object per file, one per line." };
        var command = new Command("info", "Print format, size, channels, bit depth, colour model, interlacing and EXIF orientation, and check that the pixels decode.") { files, json };
        command.SetAction(parse =>
        {
            int exit = ExitCodes.Success;
            foreach (var file in parse.GetValue(files)!)
            {
                exit = Math.Max(exit, CommandRunner.Run(() =>
                {
                    var info = ImageDecoder.Identify(file.FullName);
                    DecodeRgb(file.FullName, info.Format, ImageDecoderOptions.Default);
                    if (parse.GetValue(json))
                        Console.WriteLine(new JsonObject
                        {
                            ["file"] = file.FullName,
                            ["format"] = info.Format.ToString(),
                            ["width"] = info.Width,
                            ["height"] = info.Height,
                            ["channels"] = info.Channels,
                            ["bit_depth"] = info.BitDepth,
                            ["color_model"] = info.ColorModel.ToString(),
                            ["interlaced"] = info.IsInterlaced,
                            ["exif_orientation"] = info.Orientation,
                        }.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
                    else
                        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(file.Name)}[/]: {info.Format} {info.Width}×{info.Height}, {info.Channels} channel(s) of {info.BitDepth} bits, {info.ColorModel}" +
                            (info.IsInterlaced ? ", interlaced/progressive" : "") + (info.Orientation != 1 ? $", EXIF orientation {info.Orientation}" : "") + " — decodes.");
                    return ExitCodes.Success;
                }));
            }
            return exit;
        });
        return command;
    }

    private static Command Convert()
    {
        var input = new Argument<FileInfo>("input") { Description = "A PNG or JPEG file." };
        var output = new Argument<FileInfo>("output") { Description = "The PNG to write (written to a temporary file, then moved into place; its folder is created if missing)." };
        var labels = new Option<bool>("--labels") { Description = "Treat the input as a label map (palette indices or gray values) and keep its values exactly." };
        var exif = new Option<bool>("--apply-exif") { Description = "Rotate/flip as the EXIF orientation tag says." };
        var command = new Command("convert", "Decode any supported image and write it as PNG.") { input, output, labels, exif };
        command.SetAction((parse, cancellation) => Task.FromResult(CommandRunner.Run(() =>
        {
            string source = parse.GetValue(input)!.FullName, target = parse.GetValue(output)!.FullName;
            var options = new ImageDecoderOptions { ApplyExifOrientation = parse.GetValue(exif) };
            if (parse.GetValue(labels))
            {
                var map = ImageDecoder.DecodeLabelMap(source, options);
                // Ctrl+C before the write leaves nothing; the write itself is atomic and short, so it is let finish.
                cancellation.ThrowIfCancellationRequested();
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                PngEncoder.Save(map, target);
                Console.WriteLine($"{target}: {map.Width}×{map.Height} label map.");
            }
            else
            {
                var image = DecodeRgb(source, ImageDecoder.Identify(source).Format, options);
                cancellation.ThrowIfCancellationRequested();
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                PngEncoder.Save(image, target);
                Console.WriteLine($"{target}: {image.Width}×{image.Height} RGB.");
            }
            return ExitCodes.Success;
        })));
        return command;
    }

    /// <summary>A PNG with the library's own decoder (exact samples, alpha dropped); a JPEG with SkiaSharp, as training and prediction decode photos.</summary>
    private static RgbImage DecodeRgb(string path, ImageFormat format, ImageDecoderOptions options) =>
        format == ImageFormat.Png ? ImageDecoder.DecodeRgb(path, options) : MLImages.LoadRgb(path, options);
}
