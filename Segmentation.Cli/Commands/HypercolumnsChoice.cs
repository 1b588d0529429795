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
        Description = $"hypercolumns: vgg16, vgg11, mobilenet_v2, resnet18 or resnet50; checked against what --weights contains (the architecture is read from the checkpoint). --backbone resnet18 without --weights uses ML.NET's ImageNet ResNet-18, which comes with the NuGet package {MLNetResNet18.PackageId} (nothing to download).",
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
        network = LoadBackbone(parse.GetValue(weights), parse.GetValue(backbone));
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

    public override void Dispose() => network?.Dispose();

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
