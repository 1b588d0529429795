using System.CommandLine;
using Microsoft.ML;
using Segmentation.ML.Trainers;

namespace Segmentation.Cli.Commands;

/// <summary><c>--trainer pixel-prior</c>: image loading, then <see cref="PixelPriorEstimator"/>, the per-pixel class-frequency baseline.</summary>
internal sealed class PixelPriorChoice : TrainerChoice
{
    private const int MaxGridSide = 4096;

    private readonly Option<int> gridWidth = GridOption("--grid-width", "columns", PixelPriorTrainer.Defaults.GridWidth);
    private readonly Option<int> gridHeight = GridOption("--grid-height", "rows", PixelPriorTrainer.Defaults.GridHeight);

    public override string Name => "pixel-prior";

    public override string Summary => "predicts, at each pixel position, the class most often found there in the training label maps (counted on a grid, upsampled to each image), the sanity baseline any real model must beat";

    public override IReadOnlyList<Option> Options => [gridWidth, gridHeight];

    public override IEstimator<ITransformer> CreatePipeline(CommandContext context, ParseResult parse, IDataView? validation) =>
        context.ML.Transforms.LoadImages("Image", imageFolder: null, "ImagePath")
            .Append(context.ML.MulticlassClassification.Trainers.PixelPrior(new PixelPriorTrainer.Options
            {
                GridWidth = parse.GetValue(gridWidth),
                GridHeight = parse.GetValue(gridHeight),
                Log = context.Write,
                CancellationToken = context.CancellationToken,
            }));

    private static Option<int> GridOption(string name, string what, int defaultValue)
    {
        var option = new Option<int>(name)
        {
            Description = $"pixel-prior: {what} of the grid the class frequencies are counted on (each label map is resized to it, nearest). Coarser is smoother; finer follows the scenes' layout more closely.",
            DefaultValueFactory = _ => defaultValue,
            HelpName = "N",
        };
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value is < 1 or > MaxGridSide) result.AddError($"{name} must be between 1 and {MaxGridSide}; got {value}.");
        });
        return option;
    }
}
