namespace Segmentation.ML;

/// <summary>
/// The entry point, like ML.NET's MLContext: a seed for everything random, a log, cancellation, and the
/// catalogs whose extension methods create every component (<c>ctx.Data.LoadCamVid(…)</c>,
/// <c>ctx.Transforms.ResizeImages(…)</c>, <c>ctx.Trainers.PixelPrior(…)</c>, <c>ctx.Evaluation.Evaluate(…)</c>,
/// <c>ctx.Model.Save(…)</c>).
/// </summary>
public sealed class SegmentationContext
{
    private readonly Random seeds;
    private CancellationTokenSource cancellation = new();

    /// <summary>Creates a context; with a seed, every random choice (sampling, shuffling, augmentation, initialisation) repeats exactly.</summary>
    public SegmentationContext(int? seed = null)
    {
        Seed = seed;
        seeds = seed is int s ? new Random(s) : new Random();
        Data = new DataOperationsCatalog(this);
        Transforms = new TransformsCatalog(this);
        Trainers = new TrainersCatalog(this);
        Evaluation = new EvaluationCatalog(this);
        Model = new ModelOperationsCatalog(this);
    }

    /// <summary>The seed given at construction, or null.</summary>
    public int? Seed { get; }

    /// <summary>Loading datasets and building data views.</summary>
    public DataOperationsCatalog Data { get; }

    /// <summary>Image loading, resizing, normalising, augmenting and featurizing.</summary>
    public TransformsCatalog Transforms { get; }

    /// <summary>Trainers.</summary>
    public TrainersCatalog Trainers { get; }

    /// <summary>Pixel metrics.</summary>
    public EvaluationCatalog Evaluation { get; }

    /// <summary>Saving and loading model zips.</summary>
    public ModelOperationsCatalog Model { get; }

    /// <summary>Progress and diagnostic messages from every component.</summary>
    public event EventHandler<string>? Log;

    /// <summary>Cancelled by <see cref="CancelExecution"/>; long-running components check it.</summary>
    public CancellationToken CancellationToken => cancellation.Token;

    /// <summary>Asks every running component of this context to stop at its next check.</summary>
    public void CancelExecution() => cancellation.Cancel();

    /// <summary>Lets work resume after <see cref="CancelExecution"/>.</summary>
    public void ResetCancellation() => cancellation = new CancellationTokenSource();

    /// <summary>A new seed drawn from the context's generator, for a component's own <see cref="Random"/>.</summary>
    public int NextSeed()
    {
        lock (seeds) return seeds.Next();
    }

    internal void Write(string message) => Log?.Invoke(this, message);
}

/// <summary>Dataset loaders and data view helpers; features arrive as extension methods.</summary>
public sealed class DataOperationsCatalog
{
    internal DataOperationsCatalog(SegmentationContext context) => Context = context;

    /// <summary>The context this catalog belongs to.</summary>
    public SegmentationContext Context { get; }
}

/// <summary>Transforms; features arrive as extension methods.</summary>
public sealed class TransformsCatalog
{
    internal TransformsCatalog(SegmentationContext context) => Context = context;

    /// <summary>The context this catalog belongs to.</summary>
    public SegmentationContext Context { get; }
}

/// <summary>Trainers; features arrive as extension methods.</summary>
public sealed class TrainersCatalog
{
    internal TrainersCatalog(SegmentationContext context) => Context = context;

    /// <summary>The context this catalog belongs to.</summary>
    public SegmentationContext Context { get; }
}

/// <summary>Evaluators; features arrive as extension methods.</summary>
public sealed class EvaluationCatalog
{
    internal EvaluationCatalog(SegmentationContext context) => Context = context;

    /// <summary>The context this catalog belongs to.</summary>
    public SegmentationContext Context { get; }
}
