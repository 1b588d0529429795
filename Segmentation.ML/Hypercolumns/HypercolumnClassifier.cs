using System.Text.Json.Nodes;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Hypercolumns;

/// <summary>
/// The hypercolumn classifier: stage A trains an MLP (normalisation, hidden layers with ReLU and dropout,
/// class scores) on hypercolumns sampled K per class per image; stage B fine-tunes the same weights as 1×1
/// convolutions on whole images with cross-entropy over every labelled cell, the first layer factorised per
/// tap (projection at each tap's resolution, then upsampling), backbone frozen.
/// </summary>
/// <remarks>
/// | Trains | Input columns | Output columns |
/// |---|---|---|
/// | yes | Hypercolumns, Label: LabelMap | PredictedLabel: LabelMap (image size) |
/// </remarks>
public sealed class HypercolumnClassifierEstimator : IEstimator<HypercolumnClassifierTransformer>
{
    private readonly SegmentationContext context;
    private readonly Options options;
    private readonly HypercolumnTraining training;

    /// <summary>The columns, the validation images and every training setting of both stages.</summary>
    public sealed record Options : HypercolumnTrainerOptions
    {
        /// <summary>The hypercolumn column.</summary>
        public string HypercolumnsColumnName { get; init; } = "Hypercolumns";

        /// <summary>The ground-truth column.</summary>
        public string LabelColumnName { get; init; } = "Label";

        /// <summary>The prediction column written.</summary>
        public string PredictedLabelColumnName { get; init; } = "PredictedLabel";

        /// <summary>Validation images (with the same Hypercolumns and Label columns) for early stopping and per-epoch metrics.</summary>
        public IDataView? ValidationData { get; init; }
    }

    internal HypercolumnClassifierEstimator(SegmentationContext context, Options options)
    {
        training = new HypercolumnTraining(options, context.Write, context.CancellationToken);
        this.context = context;
        this.options = options;
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        SchemaChecks.Require<HypercolumnDataViewType>(inputSchema, options.HypercolumnsColumnName, "Hypercolumns (see ExtractHypercolumns)", "HypercolumnClassifier");
        var label = (LabelMapDataViewType)SchemaChecks.Require<LabelMapDataViewType>(inputSchema, options.LabelColumnName, "a LabelMap column", "HypercolumnClassifier").Type;
        return HypercolumnClassifierTransformer.OutputSchema(inputSchema, options.HypercolumnsColumnName, options.PredictedLabelColumnName, label.Classes);
    }

    /// <summary>Trains stage A, then stage B when <see cref="HypercolumnTrainerOptions.DenseEpochs"/> &gt; 0.</summary>
    /// <exception cref="SchemaException">A column is missing or of the wrong type.</exception>
    /// <exception cref="OperationCanceledException">The context was cancelled.</exception>
    public HypercolumnClassifierTransformer Fit(IDataView input)
    {
        GetOutputSchema(input.Schema);
        var train = new DataViewHypercolumns(input, options.HypercolumnsColumnName, options.LabelColumnName);
        var validation = options.ValidationData is null ? null : new DataViewHypercolumns(options.ValidationData, options.HypercolumnsColumnName, options.LabelColumnName);
        var head = training.Train(train, validation, context.NextSeed());
        return new HypercolumnClassifierTransformer(head, train.Classes, options.HypercolumnsColumnName, options.PredictedLabelColumnName);
    }
}

/// <summary>The trained classifier: dense inference (factorised head → scores on the output grid → bilinear upsampling → argmax).</summary>
public sealed class HypercolumnClassifierTransformer : ITransformer
{
    internal const string Kind = "segml.HypercolumnClassifier";

    internal HypercolumnClassifierTransformer(HypercolumnHead head, SegmentationClassSet classes, string hypercolumnsColumnName, string predictedLabelColumnName)
    {
        Head = head;
        Classes = classes;
        HypercolumnsColumnName = hypercolumnsColumnName;
        PredictedLabelColumnName = predictedLabelColumnName;
    }

    internal HypercolumnHead Head { get; }

    /// <summary>The classes predicted.</summary>
    public SegmentationClassSet Classes { get; }

    /// <summary>The hypercolumn column read.</summary>
    public string HypercolumnsColumnName { get; }

    /// <summary>The prediction column written.</summary>
    public string PredictedLabelColumnName { get; }

    /// <summary>Layer sizes: Z, hidden sizes, C.</summary>
    public IReadOnlyList<int> LayerSizes => Head.Sizes;

    /// <summary>
    /// Class scores [C, H, W] at the image's resolution for one image's hypercolumns; averaged with the
    /// mirrored image's scores (flipped back) when the maps carry <see cref="HypercolumnMaps.Mirrored"/>.
    /// </summary>
    public Tensor Scores(HypercolumnMaps maps) => DenseHead.Scores(Head, maps);

    /// <summary>The label map of one image's hypercolumns.</summary>
    public LabelMap Predict(HypercolumnMaps maps) => DenseHead.Predict(Head, maps);

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => OutputSchema(inputSchema, HypercolumnsColumnName, PredictedLabelColumnName, Classes);

    internal static DataViewSchema OutputSchema(DataViewSchema inputSchema, string hypercolumnsColumnName, string predictedColumnName, SegmentationClassSet classes)
    {
        SchemaChecks.Require<HypercolumnDataViewType>(inputSchema, hypercolumnsColumnName, "Hypercolumns (see ExtractHypercolumns)", "HypercolumnClassifier");
        return new DataViewSchema.Builder().AddColumns(inputSchema).AddColumn(predictedColumnName, new LabelMapDataViewType(classes)).ToSchema();
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        var schema = GetOutputSchema(input.Schema);
        string source = HypercolumnsColumnName;
        return new MappedDataView(input, [new OutputColumn(PredictedLabelColumnName, schema[PredictedLabelColumnName].Type, [source], (cursor, _) =>
        {
            var getter = cursor.GetGetter<HypercolumnMaps>(cursor.Schema[source]);
            return (ValueGetter<LabelMap>)((ref LabelMap value) =>
            {
                HypercolumnMaps maps = null!;
                getter(ref maps);
                value = Predict(maps);
            });
        })]);
    }

    /// <inheritdoc />
    public void Save(ModelSaveContext context)
    {
        context.SetKind(Kind);
        context.Parameters["sizes"] = new JsonArray(Head.Sizes.Select(s => (JsonNode)s).ToArray());
        context.Parameters["classes"] = SchemaCodec.WriteClasses(Classes);
        context.Parameters["hypercolumns_column"] = HypercolumnsColumnName;
        context.Parameters["predicted_label_column"] = PredictedLabelColumnName;
        context.AddTensor("mean", Head.Mean, Head.InputSize);
        context.AddTensor("std", Head.Std, Head.InputSize);
        for (int l = 0; l < Head.LayerCount; l++)
        {
            context.AddTensor($"layers.{l}.weight", Head.Weights[l], Head.Sizes[l + 1], Head.Sizes[l]);
            context.AddTensor($"layers.{l}.bias", Head.Biases[l], Head.Sizes[l + 1]);
        }
    }

    internal static HypercolumnClassifierTransformer Load(ModelLoadContext context)
    {
        var sizes = context.Get<int[]>("sizes");
        if (sizes.Length < 2 || sizes.Any(s => s < 1))
            throw new ModelFormatException($"Step '{context.Entry}' has layer sizes [{string.Join(", ", sizes)}].", context.Path, context.Entry);
        int layers = sizes.Length - 1;
        var head = new HypercolumnHead(sizes, context.GetTensor("mean", sizes[0]), context.GetTensor("std", sizes[0]),
            Enumerable.Range(0, layers).Select(l => context.GetTensor($"layers.{l}.weight", sizes[l + 1], sizes[l])).ToArray(),
            Enumerable.Range(0, layers).Select(l => context.GetTensor($"layers.{l}.bias", sizes[l + 1])).ToArray());
        var classes = SchemaCodec.ReadClasses(context.Parameters["classes"] as JsonObject, context.Path);
        return new HypercolumnClassifierTransformer(head, classes, context.Get<string>("hypercolumns_column"), context.Get<string>("predicted_label_column"));
    }
}
