using System.Collections;
using Segmentation.ML.Data;

namespace Segmentation.ML;

/// <summary>An immutable sequence of estimators, grown with <see cref="Append{TNew}"/>; <see cref="Fit"/> trains them in order.</summary>
public sealed class EstimatorChain<TLastTransformer> : IEstimator<TransformerChain<TLastTransformer>> where TLastTransformer : class, ITransformer
{
    private readonly IEstimator<ITransformer>[] estimators;

    /// <summary>An empty chain.</summary>
    public EstimatorChain() => estimators = [];

    private EstimatorChain(IEstimator<ITransformer>[] estimators) => this.estimators = estimators;

    /// <summary>The estimators in order.</summary>
    public IReadOnlyList<IEstimator<ITransformer>> Estimators => estimators;

    /// <summary>A new chain with <paramref name="estimator"/> at the end.</summary>
    public EstimatorChain<TNew> Append<TNew>(IEstimator<TNew> estimator) where TNew : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(estimator);
        return new EstimatorChain<TNew>([.. estimators, estimator]);
    }

    /// <summary>Fits each estimator on the output of the transformers fitted before it.</summary>
    public TransformerChain<TLastTransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(input.Schema);
        var fitted = new List<ITransformer>();
        var current = input;
        foreach (var estimator in estimators)
        {
            var transformer = estimator.Fit(current);
            fitted.Add(transformer);
            current = transformer is ITrainingTimeTransformer training ? training.TransformForTraining(current) : transformer.Transform(current);
        }
        return new TransformerChain<TLastTransformer>(fitted);
    }

    /// <summary>Propagates the schema through every estimator, so a misnamed column fails before any training.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        var schema = inputSchema;
        foreach (var estimator in estimators) schema = estimator.GetOutputSchema(schema);
        return schema;
    }
}

/// <summary>
/// An immutable sequence of fitted transformers, applied in order; the model a pipeline produces.
/// Disposing it disposes its disposable steps (a loaded featurizer's ONNX Runtime sessions), as ML.NET's does.
/// </summary>
public sealed class TransformerChain<TLastTransformer> : ITransformer, IEnumerable<ITransformer>, IDisposable where TLastTransformer : class, ITransformer
{
    private readonly ITransformer[] transformers;

    /// <summary>Wraps fitted transformers, the last of which is a <typeparamref name="TLastTransformer"/>.</summary>
    /// <exception cref="ArgumentException">The last transformer is of another type.</exception>
    public TransformerChain(IEnumerable<ITransformer> transformers)
    {
        this.transformers = transformers.ToArray();
        if (this.transformers.Length > 0 && this.transformers[^1] is not TLastTransformer)
            throw new ArgumentException($"The last transformer is a {this.transformers[^1].GetType().Name}, not a {typeof(TLastTransformer).Name}.", nameof(transformers));
    }

    /// <summary>The last transformer (for example the trained model), or null for an empty chain.</summary>
    public TLastTransformer? LastTransformer => transformers.Length == 0 ? null : (TLastTransformer)transformers[^1];

    /// <summary>A new chain with <paramref name="transformer"/> at the end.</summary>
    public TransformerChain<TNew> Append<TNew>(TNew transformer) where TNew : class, ITransformer => new([.. transformers, transformer]);

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        var schema = inputSchema;
        foreach (var transformer in transformers) schema = transformer.GetOutputSchema(schema);
        return schema;
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        var current = input;
        foreach (var transformer in transformers) current = transformer.Transform(current);
        return current;
    }

    /// <summary>A chain saves as the sequence of its steps; see <see cref="ModelOperationsCatalog.Save"/>.</summary>
    public void Save(ModelSaveContext context) =>
        throw new NotSupportedException("A transformer chain is saved step by step: use ctx.Model.Save(chain, path).");

    /// <summary>Disposes every step that is <see cref="IDisposable"/>.</summary>
    public void Dispose()
    {
        foreach (var transformer in transformers) (transformer as IDisposable)?.Dispose();
    }

    /// <inheritdoc />
    public IEnumerator<ITransformer> GetEnumerator() => ((IEnumerable<ITransformer>)transformers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
