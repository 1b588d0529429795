using System.CommandLine;
using Microsoft.ML;
using Segmentation.ML.Data.Downloads;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models;
using Segmentation.ML.Models.Checkpoints;
using Segmentation.ML.Onnx;
using Segmentation.ML.Trainers;

namespace Segmentation.Cli.Commands;

/// <summary>
/// <c>--trainer hypercolumns</c>: ML.NET's LoadImages → the hypercolumn trainer (backbone hypercolumns, stage A on
/// sampled pixels, stage B dense), with horizontal flips while training.
/// </summary>
internal sealed class HypercolumnsChoice : TrainerChoice
{
    private readonly Option<string?> weights = new("--weights")
    {
        Description = "hypercolumns: the pretrained backbone — a checkpoint file (.pth or .safetensors in torchvision's layout) or a name fetched by `segml weights fetch` (vgg16, vgg11, mobilenet_v2, resnet18, resnet50). Required unless --backbone resnet18.",
        HelpName = "FILE|NAME",
    };

    private readonly Option<string?> backbone = new("--backbone")
    {
        Description = $"hypercolumns: vgg16, vgg11, mobilenet_v2, resnet18 or resnet50; checked against what --weights contains (the architecture is read from the checkpoint). --backbone resnet18 without --weights uses ML.NET's ImageNet ResNet-18, which comes with the NuGet package {MLNetResNet18.PackageId} (nothing to download). Two or more joined by '+' (mobilenet_v2+resnet18) run on the same image and concatenate their taps (named architecture:tap) into one hypercolumn; --weights then lists their checkpoints joined by '+' (resnet18's may be left out).",
    };

    private readonly Option<string?> taps = new("--taps")
    {
        Description = "hypercolumns: comma-separated tap names (default: the backbone's — VGG's ReLUs before each max-pool; MobileNetV2's features.1,3,6,13,17; ResNet's relu,layer1,layer2,layer3,layer4).",
        HelpName = "NAMES",
    };

    private readonly Option<int> outputStride = Int("--output-stride", "output grid stride: 1, 2 or 4 (4 keeps prediction above 5 images/s at 480×360 on 2 cores)", HypercolumnExtractingEstimator.Defaults.OutputStride, allowed: [1, 2, 4]);
    private readonly Option<int> samplesPerClass = Int("--samples-per-class", "stage A: K cells sampled per class present in each image", HypercolumnTrainerOptions.Defaults.SamplesPerClass);
    private readonly Option<int> sparseEpochs = Int("--sparse-epochs", "stage A: epochs over the sampled pixels", HypercolumnTrainerOptions.Defaults.SparseEpochs);
    private readonly Option<int> denseEpochs = Int("--dense-epochs", "stage B: epochs over whole images (0 = stage A only)", HypercolumnTrainerOptions.Defaults.DenseEpochs);
    private readonly Option<int> batchSize = Int("--batch-size", "stage A: minibatch size", HypercolumnTrainerOptions.Defaults.BatchSize);
    private readonly Option<float> learningRate = Float("--learning-rate", "stage A: initial SGD learning rate (momentum 0.9)", HypercolumnTrainerOptions.Defaults.LearningRate);
    private readonly Option<float> denseLearningRate = Float("--dense-learning-rate", "stage B: SGD learning rate, cosine to zero", HypercolumnTrainerOptions.Defaults.DenseLearningRate);
    private readonly Option<float> weightDecay = Float("--weight-decay", "L2 weight decay", HypercolumnTrainerOptions.Defaults.WeightDecay);
    private readonly Option<float> dropout = Float("--dropout", "dropout after each hidden layer", HypercolumnTrainerOptions.Defaults.Dropout);

    private readonly Option<string> hidden = new("--hidden")
    {
        Description = "hypercolumns: hidden layer widths, comma-separated (default 1024,512).",
        DefaultValueFactory = _ => string.Join(",", HypercolumnTrainerOptions.Defaults.HiddenSizes),
        HelpName = "N,N",
    };

    private readonly Option<LearningRateSchedule> schedule = new("--schedule")
    {
        Description = "hypercolumns: stage A schedule — Step (×0.1 every 10 epochs) or Cosine.",
        DefaultValueFactory = _ => LearningRateSchedule.Step,
    };

    private readonly Option<FileInfo?> sampleCache = new("--sample-cache")
    {
        Description = "hypercolumns: a file for the sampled pixels — reused when it exists, written after sampling otherwise.",
        HelpName = "FILE",
    };

    private readonly Option<FileInfo?> checkpoint = new("--checkpoint")
    {
        Description = "hypercolumns: stage B checkpoint written after every epoch; an interrupted run resumes from it.",
        HelpName = "FILE",
    };

    private readonly Option<bool> noFlip = new("--no-flip") { Description = "hypercolumns: do not mirror training images at random." };

    private readonly List<EpochReport> reports = [];
    private Backbone? network;

    /// <summary>The backbones a combined <see cref="network"/> is made of; it does not own them.</summary>
    private readonly List<Backbone> parts = [];
    private readonly List<StageReport> stages = [];

    public override string Name => "hypercolumns";

    public override string Summary => "hypercolumns from a pretrained backbone (--weights) and a shallow MLP, trained on sampled pixels (stage A) then fine-tuned densely on whole images (stage B)";

    public override IReadOnlyList<Option> Options =>
        [weights, backbone, taps, outputStride, samplesPerClass, sparseEpochs, denseEpochs, batchSize, learningRate, denseLearningRate, weightDecay, dropout, hidden, schedule, sampleCache, checkpoint, noFlip];

    public override int Passes(ParseResult parse) => 1 + parse.GetValue(denseEpochs);

    public override IEnumerable<string> TrainingReport()
    {
        var stageA = reports.Where(r => r.Stage == "A").ToList();
        if (stageA.Count > 0)
        {
            var last = stageA[^1];
            yield return $"Stage A: {last.Epoch} epochs, loss {last.Loss:F3}" +
                (last.ValidationLoss is double loss ? $", validation loss {loss:F3}, sampled-pixel accuracy {last.ValidationAccuracy:P1}" : "") + $" ({last.Elapsed:mm\\:ss}).";
            if (stages.FirstOrDefault(r => r.Stage == "A")?.Validation is { } alone)
                yield return $"Stage A alone: validation mean IoU {alone.MeanIoU:P1}, pixel accuracy {alone.PixelAccuracy:P1}.";
        }
        foreach (var report in reports.Where(r => r.Stage == "B"))
            yield return $"Stage B epoch {report.Epoch}: loss {report.Loss:F3}" + (report.ValidationMeanIoU is double iou ? $", validation mean IoU {iou:P1}" : "") + $" ({report.Elapsed:mm\\:ss}).";
    }

    public override IEstimator<ITransformer> CreatePipeline(CommandContext context, ParseResult parse, IDataView? validation)
    {
        network = parse.GetValue(backbone) is { } named && named.Contains('+')
            ? LoadCombined(parse.GetValue(weights), named)
            : LoadBackbone(parse.GetValue(weights), parse.GetValue(backbone));
        var tapNames = parse.GetValue(taps)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var hiddenSizes = parse.GetValue(hidden)!.Split(',', StringSplitOptions.TrimEntries).Select(v => int.TryParse(v, out int n) && n > 0 ? n
            : throw new ArgumentException($"--hidden must be positive integers separated by commas; got '{parse.GetValue(hidden)}'.")).ToArray();

        var loadImages = context.ML.Transforms.LoadImages("Image", imageFolder: null, "ImagePath");
        var trainer = context.ML.MulticlassClassification.Trainers.Hypercolumns(new HypercolumnTrainer.Options
        {
            Backbone = network,
            Taps = tapNames,
            OutputStride = parse.GetValue(outputStride),
            HiddenSizes = hiddenSizes,
            Dropout = parse.GetValue(dropout),
            SamplesPerClass = parse.GetValue(samplesPerClass),
            SparseEpochs = parse.GetValue(sparseEpochs),
            DenseEpochs = parse.GetValue(denseEpochs),
            BatchSize = parse.GetValue(batchSize),
            LearningRate = parse.GetValue(learningRate),
            DenseLearningRate = parse.GetValue(denseLearningRate),
            WeightDecay = parse.GetValue(weightDecay),
            Schedule = parse.GetValue(schedule),
            SampleCachePath = parse.GetValue(sampleCache)?.FullName,
            CheckpointPath = parse.GetValue(checkpoint)?.FullName,
            HorizontalFlip = !parse.GetValue(noFlip),
            ValidationData = validation is null ? null : loadImages.Fit(validation).Transform(validation),
            EpochCompleted = reports.Add,
            StageCompleted = stages.Add,
            Seed = context.Seed,
            Log = context.Write,
            CancellationToken = context.CancellationToken,
        });
        return loadImages.Append(trainer);
    }

    public override void Dispose()
    {
        network?.Dispose();
        foreach (var part in parts) part.Dispose();
    }

    /// <summary>
    /// <c>--backbone a+b</c>: every '+'-separated --weights entry loaded, matched to the named architectures by what it
    /// holds; a resnet18 without an entry is ML.NET's pretrained ResNet-18. The backbones run on the same image and
    /// their taps make one hypercolumn, in the order named.
    /// </summary>
    private Backbone LoadCombined(string? weightsArgument, string named)
    {
        var names = named.Split('+', StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Length == 0) || names.Distinct(StringComparer.OrdinalIgnoreCase).Count() != names.Length)
            throw new ArgumentException($"--backbone {named}: name each backbone once, joined by '+' (for example mobilenet_v2+resnet18).");
        var loaded = new List<Backbone>();
        try
        {
            string[] entries = weightsArgument is null ? [] : File.Exists(weightsArgument) ? [weightsArgument] : weightsArgument.Split('+', StringSplitOptions.TrimEntries);
            foreach (var entry in entries) loaded.Add(LoadBackbone(entry, null));
            var ordered = new List<Backbone>();
            foreach (var name in names)
            {
                var match = loaded.FirstOrDefault(b => string.Equals(b.Architecture, name, StringComparison.OrdinalIgnoreCase) && !ordered.Contains(b));
                if (match is null && string.Equals(name, "resnet18", StringComparison.OrdinalIgnoreCase))
                    loaded.Add(match = LoadBackbone(null, "resnet18"));
                ordered.Add(match ?? throw new ArgumentException(
                    $"--backbone {named}: no --weights entry holds a {name} (the entries hold {(entries.Length == 0 ? "nothing" : string.Join(", ", loaded.Select(b => b.Architecture)))}); give its checkpoint, joined to the others by '+'."));
            }
            if (loaded.Count > ordered.Count)
                throw new ArgumentException($"--weights {weightsArgument} holds {string.Join(", ", loaded.Except(ordered).Select(b => b.Architecture))}, which --backbone {named} does not name.");
            parts.AddRange(loaded);
            return CombinedBackbone.Of([.. ordered]);
        }
        catch
        {
            foreach (var backbone in loaded.Where(b => !parts.Contains(b))) backbone.Dispose();
            throw;
        }
    }

    /// <summary>The checkpoint --weights names, checked against --backbone; or, for --backbone resnet18 alone, ML.NET's pretrained ResNet-18.</summary>
    private static Backbone LoadBackbone(string? weightsArgument, string? expected)
    {
        if (weightsArgument is null)
        {
            if (string.Equals(expected, "resnet18", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    return ResNet.LoadMLNetResNet18();
                }
                catch (Exception error) when (error is PretrainedModelNotFoundException or ModelFormatException)
                {
                    throw new InvalidOperationException($"--backbone resnet18: {error.Message}", error);
                }
            }
            throw new ArgumentException(expected is null
                ? $"--trainer hypercolumns needs --weights FILE|NAME (for example --weights mobilenet_v2 after `segml weights fetch mobilenet_v2`) or --backbone resnet18 (ML.NET's pretrained ResNet-18 from the NuGet package {MLNetResNet18.PackageId})."
                : $"--backbone {expected} needs --weights FILE|NAME (for example after `segml weights fetch {expected}`); only --backbone resnet18 has weights without it (ML.NET's pretrained ResNet-18).");
        }
        Backbone network;
        try
        {
            network = Backbone.Load(WeightsCache.Resolve(weightsArgument));
        }
        catch (Exception error) when (error is CheckpointFormatException or ModelLoadException or DownloadException or FileNotFoundException)
        {
            throw new InvalidOperationException($"--weights {weightsArgument}: {error.Message}", error);
        }
        if (expected is not null && !string.Equals(expected, network.Architecture, StringComparison.OrdinalIgnoreCase))
        {
            string found = network.Architecture;
            network.Dispose();
            throw new ArgumentException($"--backbone {expected} was given but {weightsArgument} holds a {found}.");
        }
        return network;
    }

    private static Option<int> Int(string name, string description, int defaultValue, int[]? allowed = null)
    {
        var option = new Option<int>(name) { Description = $"hypercolumns: {description}.", DefaultValueFactory = _ => defaultValue, HelpName = "N" };
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (allowed is not null)
            {
                if (!allowed.Contains(value)) result.AddError($"{name} must be {string.Join(", ", allowed[..^1])} or {allowed[^1]}; got {value}.");
            }
            else if (value < 0 || (value == 0 && name is not "--dense-epochs" and not "--sparse-epochs")) result.AddError($"{name} must be positive; got {value}.");
        });
        return option;
    }

    private static Option<float> Float(string name, string description, float defaultValue)
    {
        var option = new Option<float>(name) { Description = $"hypercolumns: {description}.", DefaultValueFactory = _ => defaultValue, HelpName = "X" };
        option.Validators.Add(result =>
        {
            float value = result.GetValueOrDefault<float>();
            if (!(value >= 0) || (name == "--dropout" && value >= 1)) result.AddError($"{name} must be {(name == "--dropout" ? "in [0, 1)" : "non-negative")}; got {value}.");
        });
        return option;
    }
}
