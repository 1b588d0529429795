using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Trainers;

/// <summary>
/// The classic sanity baseline: per-pixel class frequencies over the training label maps (resized to a
/// grid), predicted by upsampling the frequencies bilinearly to each image and taking the most frequent class.
/// </summary>
/// <remarks>
/// | Trains | Input columns | Output columns |
/// |---|---|---|
/// | yes | Label: LabelMap (training); Image: Image (prediction size) | PredictedLabel: LabelMap |
/// </remarks>
public sealed class PixelPriorEstimator : IEstimator<PixelPriorTransformer>
{
    private readonly SegmentationContext context;
    private readonly Options options;

    /// <summary>Settings of the pixel prior.</summary>
    public sealed record Options
    {
        /// <summary>The label maps to count.</summary>
        public string LabelColumnName { get; init; } = Defaults.LabelColumnName;

        /// <summary>The column whose size each prediction takes.</summary>
        public string ImageColumnName { get; init; } = Defaults.ImageColumnName;

        /// <summary>The label map written.</summary>
        public string PredictedLabelColumnName { get; init; } = Defaults.PredictedLabelColumnName;

        /// <summary>Width of the frequency grid.</summary>
        public int GridWidth { get; init; } = Defaults.GridWidth;

        /// <summary>Height of the frequency grid.</summary>
        public int GridHeight { get; init; } = Defaults.GridHeight;
    }

    /// <summary>The defaults both overloads of the catalog method share.</summary>
    public static class Defaults
    {
        /// <summary>"Label".</summary>
        public const string LabelColumnName = "Label";

        /// <summary>"Image".</summary>
        public const string ImageColumnName = "Image";

        /// <summary>"PredictedLabel".</summary>
        public const string PredictedLabelColumnName = "PredictedLabel";

        /// <summary>60 (CamVid's 480 / 8).</summary>
        public const int GridWidth = 60;

        /// <summary>45 (CamVid's 360 / 8).</summary>
        public const int GridHeight = 45;
    }

    internal PixelPriorEstimator(SegmentationContext context, Options options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GridWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GridHeight, 1);
        this.context = context;
        this.options = options;
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        var label = (LabelMapDataViewType)SchemaChecks.Require<LabelMapDataViewType>(inputSchema, options.LabelColumnName, "a LabelMap column", "PixelPrior").Type;
        return PixelPriorTransformer.OutputSchema(inputSchema, options, label.Classes);
    }

    /// <summary>Counts every training label map's classes per grid cell (ignore label excluded).</summary>
    /// <exception cref="SchemaException">The label column is missing or not a LabelMap.</exception>
    /// <exception cref="OperationCanceledException">The context was cancelled.</exception>
    public PixelPriorTransformer Fit(IDataView input)
    {
        var labelColumn = input.Schema[options.LabelColumnName];
        GetOutputSchema(input.Schema);
        var classes = ((LabelMapDataViewType)labelColumn.Type).Classes;
        int gh = options.GridHeight, gw = options.GridWidth, cells = gh * gw, count = classes.ClassCount;
        var counts = new float[count * cells];
        var grid = new byte[cells];
        int images = 0;
        using (var cursor = input.GetRowCursor([labelColumn]))
        {
            var getter = cursor.GetGetter<LabelMap>(labelColumn);
            LabelMap labels = null!;
            while (cursor.MoveNext())
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                getter(ref labels);
                Resize.Nearest(labels.Labels, labels.Height, labels.Width, grid, gh, gw);
                for (int p = 0; p < cells; p++)
                    if (grid[p] < count) counts[grid[p] * cells + p]++;
                if (++images % 50 == 0) context.Write($"PixelPrior: counted {images} label maps.");
            }
        }
        if (images == 0) throw new InvalidOperationException("PixelPrior needs at least one training label map; the data was empty.");
        context.Write($"PixelPrior: counted {images} label maps on a {gw}×{gh} grid.");
        return new PixelPriorTransformer(options, classes, counts);
    }
}

/// <summary>The fitted pixel prior; see <see cref="PixelPriorEstimator"/>.</summary>
public sealed class PixelPriorTransformer : ITransformer
{
    internal const string Kind = "segml.PixelPrior";
    private readonly PixelPriorEstimator.Options options;
    private readonly float[] counts;
    private readonly Dictionary<(int Height, int Width), byte[]> predictions = [];

    internal PixelPriorTransformer(PixelPriorEstimator.Options options, SegmentationClassSet classes, float[] counts)
    {
        this.options = options;
        Classes = classes;
        this.counts = counts;
        FillEmptyCells();
    }

    /// <summary>The classes predicted.</summary>
    public SegmentationClassSet Classes { get; }

    /// <summary>Class frequencies per grid cell, [classes, grid height, grid width] (a copy).</summary>
    public float[] Frequencies => (float[])counts.Clone();

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => OutputSchema(inputSchema, options, Classes);

    internal static DataViewSchema OutputSchema(DataViewSchema inputSchema, PixelPriorEstimator.Options options, SegmentationClassSet classes)
    {
        var image = (ImageDataViewType)SchemaChecks.Require<ImageDataViewType>(inputSchema, options.ImageColumnName, "an Image column (the size of each prediction)", "PixelPrior").Type;
        return new DataViewSchema.Builder().AddColumns(inputSchema)
            .AddColumn(options.PredictedLabelColumnName, new LabelMapDataViewType(classes, image.Height, image.Width)).ToSchema();
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        var schema = GetOutputSchema(input.Schema);
        string image = options.ImageColumnName;
        return new MappedDataView(input, [new OutputColumn(options.PredictedLabelColumnName, schema[options.PredictedLabelColumnName].Type, [image], (cursor, _) =>
        {
            var source = cursor.GetGetter<RgbImage>(cursor.Schema[image]);
            return (ValueGetter<LabelMap>)((ref LabelMap value) =>
            {
                RgbImage picture = null!;
                source(ref picture);
                value = new LabelMap(picture.Width, picture.Height, PredictionFor(picture.Height, picture.Width));
            });
        })]);
    }

    /// <inheritdoc />
    public void Save(ModelSaveContext context)
    {
        context.SetKind(Kind);
        context.Parameters["label_column"] = options.LabelColumnName;
        context.Parameters["image_column"] = options.ImageColumnName;
        context.Parameters["predicted_label_column"] = options.PredictedLabelColumnName;
        context.Parameters["classes"] = SchemaCodec.WriteClasses(Classes);
        context.Parameters["grid"] = new System.Text.Json.Nodes.JsonArray(options.GridHeight, options.GridWidth);
        context.AddTensor("frequencies", counts, Classes.ClassCount, options.GridHeight, options.GridWidth);
    }

    internal static PixelPriorTransformer Load(ModelLoadContext context)
    {
        var classes = SchemaCodec.ReadClasses(context.Parameters["classes"] as System.Text.Json.Nodes.JsonObject, context.Path);
        var options = new PixelPriorEstimator.Options
        {
            LabelColumnName = context.Get<string>("label_column"),
            ImageColumnName = context.Get<string>("image_column"),
            PredictedLabelColumnName = context.Get<string>("predicted_label_column"),
        };
        var grid = context.Get<int[]>("grid");
        if (grid.Length != 2 || grid[0] < 1 || grid[1] < 1)
            throw new ModelFormatException($"Step '{context.Entry}' has grid [{string.Join(", ", grid)}]; [height, width] with positive sizes was expected.", context.Path, context.Entry);
        int gh = grid[0], gw = grid[1];
        return new PixelPriorTransformer(options with { GridHeight = gh, GridWidth = gw }, classes, context.GetTensor("frequencies", classes.ClassCount, gh, gw));
    }

    private byte[] PredictionFor(int height, int width)
    {
        lock (predictions)
        {
            if (predictions.TryGetValue((height, width), out var cached)) return (byte[])cached.Clone();
            int classes = Classes.ClassCount;
            var upsampled = new float[classes * height * width];
            Resize.Bilinear(counts, classes, options.GridHeight, options.GridWidth, upsampled, height, width);
            var labels = new byte[height * width];
            ChannelOps.Argmax(upsampled, classes, labels);
            predictions[(height, width)] = labels;
            return (byte[])labels.Clone();
        }
    }

    /// <summary>Cells no training label reached take the overall most frequent class.</summary>
    private void FillEmptyCells()
    {
        int classes = Classes.ClassCount, cells = counts.Length / classes;
        var totals = new double[classes];
        for (int c = 0; c < classes; c++)
            for (int p = 0; p < cells; p++) totals[c] += counts[c * cells + p];
        int majority = Array.IndexOf(totals, totals.Max());
        for (int p = 0; p < cells; p++)
        {
            float sum = 0;
            for (int c = 0; c < classes; c++) sum += counts[c * cells + p];
            if (sum == 0) counts[majority * cells + p] = 1;
        }
    }
}
