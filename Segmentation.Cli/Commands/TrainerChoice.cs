using System.CommandLine;
using Segmentation.ML;

namespace Segmentation.Cli.Commands;

/// <summary>
/// A trainer <c>segml train --trainer NAME</c> can run: the options only it reads and the pipeline it fits.
/// Adding a trainer is one more subclass in <see cref="CreateAvailable"/> (and its name leaving <see cref="Planned"/>).
/// </summary>
internal abstract class TrainerChoice
{
    /// <summary>Trainers that can run, each with its own option instances.</summary>
    public static IReadOnlyList<TrainerChoice> CreateAvailable() => [new PixelPriorChoice()];

    /// <summary>Trainers the vocabulary already names but that arrive with later work, and what to tell a user who asks for one.</summary>
    public static IReadOnlyDictionary<string, string> Planned { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hypercolumns"] = "--trainer hypercolumns arrives with the hypercolumns work (backbone hypercolumn features and a per-pixel classifier); " +
                           "this segml cannot train it yet. Use --trainer pixel-prior for the per-pixel class-frequency baseline.",
    };

    /// <summary>The value of --trainer.</summary>
    public abstract string Name { get; }

    /// <summary>One sentence for the --trainer help.</summary>
    public abstract string Summary { get; }

    /// <summary>Options only this trainer reads; their help starts with the trainer's name.</summary>
    public abstract IReadOnlyList<Option> Options { get; }

    /// <summary>How many times fitting reads the training rows, so the progress bar knows its length.</summary>
    public virtual int Passes(ParseResult parse) => 1;

    /// <summary>
    /// The estimators from a dataset view (Id, ImagePath, LabelPath, Image, Label) to a <c>PredictedLabel</c> label map.
    /// The chain must decode images itself, from <c>ImagePath</c>, so that the saved model goes from an image file to a label map.
    /// </summary>
    public abstract IEstimator<ITransformer> CreatePipeline(SegmentationContext context, ParseResult parse);
}
