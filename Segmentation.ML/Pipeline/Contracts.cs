using Segmentation.ML.Data;

namespace Segmentation.ML;

/// <summary>A fitted pipeline step: maps a data view to a new one, lazily, and can save itself.</summary>
public interface ITransformer
{
    /// <summary>The schema <see cref="Transform"/> would produce for <paramref name="inputSchema"/>.</summary>
    /// <exception cref="SchemaException">An input column is missing or of the wrong type (the message names it).</exception>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>A lazy view with this step's output columns added; nothing is computed until a cursor moves.</summary>
    /// <exception cref="SchemaException">An input column is missing or of the wrong type.</exception>
    IDataView Transform(IDataView input);

    /// <summary>Writes the step's parameters and tensors; see <see cref="ModelComponents"/> to make it loadable.</summary>
    void Save(ModelSaveContext context);
}

/// <summary>An untrained pipeline step: <see cref="Fit"/> learns from data and returns a transformer.</summary>
public interface IEstimator<out TTransformer> where TTransformer : ITransformer
{
    /// <summary>Trains on <paramref name="input"/>.</summary>
    /// <exception cref="SchemaException">An input column is missing or of the wrong type.</exception>
    TTransformer Fit(IDataView input);

    /// <summary>The schema the fitted transformer would produce, checked without training.</summary>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);
}

/// <summary>
/// A transformer that changes the rows a later estimator trains on but nothing at inference (random
/// crops and flips). <see cref="EstimatorChain{TLastTransformer}"/> feeds later estimators through
/// <see cref="TransformForTraining"/>; <see cref="ITransformer.Transform"/> leaves the data as it is.
/// </summary>
public interface ITrainingTimeTransformer : ITransformer
{
    /// <summary>The view later estimators in a chain train on.</summary>
    IDataView TransformForTraining(IDataView input);
}
