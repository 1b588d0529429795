using System.CommandLine;
using Microsoft.ML;

namespace Segmentation.Cli.Commands;

/// <summary>A trainer `segml train --trainer NAME` can run: its options, its pipeline and what it reports.</summary>
internal abstract class TrainerChoice : IDisposable
{
    public static IReadOnlyList<TrainerChoice> CreateAvailable() => [new HypercolumnsChoice(), new PixelPriorChoice()];

    public abstract string Name { get; }

    public abstract string Summary { get; }

    public abstract IReadOnlyList<Option> Options { get; }

    /// <summary>Lines printed after training (per-stage results).</summary>
    public virtual IEnumerable<string> TrainingReport() => [];

    /// <summary>How many times training reads the data (the progress bar's length in rows).</summary>
    public virtual int Passes(ParseResult parse) => 1;

    /// <summary>
    /// The pipeline from a dataset view (ImagePath, Label) to a model: ML.NET's LoadImages, then the trainer.
    /// <paramref name="validation"/> is the dataset view of the validation split, or null.
    /// </summary>
    public abstract IEstimator<ITransformer> CreatePipeline(CommandContext context, ParseResult parse, IDataView? validation);

    /// <summary>Releases what <see cref="CreatePipeline"/> loaded (a backbone).</summary>
    public virtual void Dispose()
    {
    }
}
