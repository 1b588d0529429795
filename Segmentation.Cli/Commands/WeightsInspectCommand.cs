using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segmentation.ML.Models;
using Segmentation.ML.Models.Checkpoints;
using Segmentation.ML.Onnx;
using Spectre.Console;

namespace Segmentation.Cli.Commands;

/// <summary><c>segml weights inspect FILE</c>: tensors, detected architecture and SHA-256 of a checkpoint.</summary>
internal static class WeightsInspectCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "A .pth (torch.save zip or legacy) or .safetensors checkpoint." };
        var json = new Option<bool>("--json") { Description = "One JSON object: file, sha256, format, architecture, tensors [{name, dtype, shape}]." };
        var command = new Command("inspect", "List a checkpoint's tensors (name, dtype, shape), the architecture they make and the file's SHA-256. Pickles are read by a restricted unpickler: nothing in the file is executed, and a refused file exits with code 1 and the reason.")
        {
            file, json,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string path = parse.GetValue(file)!.FullName;
            StateDict state;
            try
            {
                state = Checkpoint.Load(path);
            }
            catch (FileNotFoundException)
            {
                throw new IOException($"The checkpoint '{path}' does not exist.");
            }
            catch (CheckpointFormatException error)
            {
                throw new InvalidOperationException($"Refused '{path}': {error.Message}", error);
            }
            string sha256 = Checkpoint.ComputeSha256(path);
            string? standard = Checkpoint.DetectArchitecture(state);
            string? architecture = null, problem = null;
            try
            {
                using var backbone = Backbone.FromStateDict(state);
                architecture = backbone.Architecture;
            }
            catch (ModelLoadException error)
            {
                problem = error.Message;
            }
            string description = architecture is null
                ? "not a supported backbone (vgg11, vgg16, mobilenet_v2, resnet18 … resnet152 in torchvision's layout)"
                : architecture == standard ? $"{architecture} (torchvision's shapes)" : $"{architecture} (torchvision's layout, other channel widths)";
            if (parse.GetValue(json))
            {
                Console.WriteLine(new JsonObject
                {
                    ["file"] = path,
                    ["sha256"] = sha256,
                    ["format"] = state.Format.ToString(),
                    ["architecture"] = architecture,
                    ["torchvision_shapes"] = architecture is not null && architecture == standard,
                    ["problem"] = problem,
                    ["tensors"] = new JsonArray(state.Tensors.Select(t => (JsonNode)new JsonObject
                    {
                        ["name"] = t.Name,
                        ["dtype"] = t.DType.ToString(),
                        ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                    }).ToArray()),
                }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumn("Tensor").AddColumn("DType").AddColumn("Shape");
                foreach (var tensor in state.Tensors)
                    table.AddRow(Markup.Escape(tensor.Name), tensor.DType.ToString(), Markup.Escape("[" + string.Join(", ", tensor.Shape) + "]"));
                AnsiConsole.Write(table);
                long parameters = state.Tensors.Sum(t => t.ElementCount);
                AnsiConsole.MarkupLine($"{state.Count} tensors, {parameters:N0} values, {state.Format} format.");
                AnsiConsole.MarkupLine($"Architecture: [bold]{Markup.Escape(description)}[/]");
                if (problem is not null) AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(problem)}[/]");
                AnsiConsole.WriteLine($"SHA-256: {sha256}");
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
