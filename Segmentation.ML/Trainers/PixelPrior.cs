using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Imaging;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Trainers;

/// <summary>
/// The per-pixel class-frequency baseline: counts each class's pixels over the training label maps on a
/// coarse grid, and predicts at every pixel the most frequent class there (the counts resized bilinearly to
/// the image). A floor any real segmenter must beat.
/// </summary>
/// <remarks>
/// | Trains | Input columns | Output columns |
/// |---|---|---|
/// | yes | Image (for each label map's size); Label (label map, see <see cref="LabelMapColumn"/>) | PredictedLabel (vector of keys 1…C) |
///
/// Like every trainer here, <see cref="Fit"/> returns ML.NET's own transformers around an ONNX graph.
/// </remarks>
public sealed class PixelPriorTrainer : IEstimator<TransformerChain<ITransformer>>
{
    private readonly Options options;

    /// <summary>The columns and the grid.</summary>
    public sealed record Options
    {
        /// <summary>The label map column.</summary>
        public string LabelColumnName { get; init; } = Defaults.LabelColumnName;

        /// <summary>The image column (its size is each label map's).</summary>
        public string ImageColumnName { get; init; } = Defaults.ImageColumnName;

        /// <summary>The prediction column the model writes.</summary>
        public string PredictedLabelColumnName { get; init; } = Defaults.PredictedLabelColumnName;

        /// <summary>Grid cells across.</summary>
        public int GridWidth { get; init; } = Defaults.GridWidth;

        /// <summary>Grid cells down.</summary>
        public int GridHeight { get; init; } = Defaults.GridHeight;

        /// <summary>The saved pipeline's input width; null: the first training image's width.</summary>
        public int? ImageWidth { get; init; }

        /// <summary>The saved pipeline's input height; null: the first training image's height.</summary>
        public int? ImageHeight { get; init; }

        /// <summary>Progress messages.</summary>
        public Action<string>? Log { get; init; }

        /// <summary>Stops counting at the next image.</summary>
        public CancellationToken CancellationToken { get; init; }
    }

    /// <summary>The defaults, shared by the catalog's flat overload and <see cref="Options"/>.</summary>
    public static class Defaults
    {
        /// <summary>"Label".</summary>
        public const string LabelColumnName = "Label";

        /// <summary>"Image".</summary>
        public const string ImageColumnName = "Image";

        /// <summary>"PredictedLabel".</summary>
        public const string PredictedLabelColumnName = "PredictedLabel";

        /// <summary>60 (CamVid's 480 pixels in cells of 8).</summary>
        public const int GridWidth = 60;

        /// <summary>45.</summary>
        public const int GridHeight = 45;
    }

    internal PixelPriorTrainer(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GridWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GridHeight, 1);
        this.options = options;
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        SegmenterChain.OutputSchema(inputSchema, "PixelPrior", options.ImageColumnName, options.LabelColumnName, options.PredictedLabelColumnName);

    /// <summary>Counts the classes on the grid and returns the model as ML.NET transformers around an ONNX graph.</summary>
    /// <exception cref="SchemaException">A column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">The data holds no label map.</exception>
    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShapes.Of(input.Schema));
        var image = input.Schema[options.ImageColumnName];
        var label = input.Schema[options.LabelColumnName];
        var classes = LabelMapColumn.GetClasses(label);
        int gh = options.GridHeight, gw = options.GridWidth, cells = gh * gw, count = classes.ClassCount;
        var counts = new float[count * cells];
        var grid = new byte[cells];
        int images = 0;
        (int Width, int Height)? first = null;
        byte ignore = classes.IgnoreValue ?? (byte)count;
        using (var cursor = input.GetRowCursor([image, label]))
        {
            var imageGetter = cursor.GetGetter<MLImage>(image);
            var labelGetter = cursor.GetGetter<VBuffer<uint>>(label);
            MLImage picture = null!;
            VBuffer<uint> keys = default;
            while (cursor.MoveNext())
            {
                options.CancellationToken.ThrowIfCancellationRequested();
                imageGetter(ref picture);
                labelGetter(ref keys);
                first ??= (picture.Width, picture.Height);
                var labels = LabelMapColumn.ToLabelMap(keys, picture.Width, picture.Height, count, ignore);
                Resize.Nearest(labels.Labels, labels.Height, labels.Width, grid, gh, gw);
                for (int p = 0; p < cells; p++)
                    if (grid[p] < count) counts[grid[p] * cells + p]++;
                if (++images % 50 == 0) options.Log?.Invoke($"PixelPrior: counted {images} label maps.");
            }
        }
        if (first is null) throw new InvalidOperationException("PixelPrior needs at least one training label map; the data was empty.");
        options.Log?.Invoke($"PixelPrior: counted {images} label maps on a {gw}×{gh} grid.");
        FillEmptyCells(counts, count);
        var (width, height) = options.ImageWidth is int w && options.ImageHeight is int h ? (w, h) : first.Value;
        var graph = SegmenterGraph.ForScoreGrid(counts, gh, gw, new SegmenterGraph.Description(classes, width, height, "pixel prior"));
        return SegmenterChain.Fit(input, graph, options.ImageColumnName, width, height, count, options.PredictedLabelColumnName);
    }

    /// <summary>A cell no label map covered predicts the overall majority class rather than a tie.</summary>
    private static void FillEmptyCells(float[] counts, int classes)
    {
        int cells = counts.Length / classes;
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
