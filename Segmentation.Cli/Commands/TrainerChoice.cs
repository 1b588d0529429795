using System.CommandLine;
using Segmentation.ML;
using Segmentation.ML.Data;

namespace Segmentation.Cli.Commands;

/// <summary>
/// A trainer <c>segml train --trainer NAME</c> can run: the options only it reads and the pipeline it fits.
/// Adding a trainer is one more subclass in <see cref="CreateAvailable"/>.
/// </summary>
internal abstract class TrainerChoice : IDisposable
{
    /// <summary>Trainers that can run, each with its own option instances.</summary>
    public static IReadOnlyList<TrainerChoice> CreateAvailable() => [new HypercolumnsChoice(), new PixelPriorChoice()];

    /// <summary>The value of --trainer.</summary>
    public abstract string Name { get; }

    /// <summary>One sentence for the --trainer help.</summary>
    public abstract string Summary { get; }

    /// <summary>Options only this trainer reads; their help starts with the trainer's name.</summary>
    public abstract IReadOnlyList<Option> Options { get; }

    /// <summary>Lines about the training just finished (per-epoch losses and validation figures), printed after it.</summary>
    public virtual IEnumerable<string> TrainingReport() => [];

    /// <summary>How many times fitting reads the training rows, so the progress bar knows its length.</summary>
    public virtual int Passes(ParseResult parse) => 1;

    /// <summary>
    /// The estimators from a dataset view (Id, ImagePath, LabelPath, Image, Label) to a <c>PredictedLabel</c> label map.
    /// The chain must decode images itself, from <c>ImagePath</c>, so that the saved model goes from an image file to a label map.
    /// </summary>
    /// <param name="validation">The --val-split view, when given, for trainers that monitor it while training.</param>
    public abstract IEstimator<ITransformer> CreatePipeline(SegmentationContext context, ParseResult parse, IDataView? validation);

    /// <summary>Releases what <see cref="CreatePipeline"/> opened (a backbone's ONNX Runtime sessions), once the model is saved and evaluated.</summary>
    public virtual void Dispose()
    {
    }
}
