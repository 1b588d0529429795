using System.Diagnostics;
using System.Text.Json.Nodes;
using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models.Checkpoints;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Hypercolumns;

/// <summary>How the learning rate falls over epochs.</summary>
public enum LearningRateSchedule
{
    /// <summary>× <c>StepGamma</c> every <c>StepEpochs</c> epochs.</summary>
    Step,

    /// <summary>Half a cosine from the initial rate to zero.</summary>
    Cosine,
}

/// <summary>How stage B weighs each class in its cross-entropy (stage A samples every class equally already).</summary>
public enum ClassWeighting
{
    /// <summary>Every labelled pixel counts the same.</summary>
    None,

    /// <summary>w_c = median frequency / frequency of c (Eigen and Fergus 2015; SegNet on CamVid).</summary>
    MedianFrequency,

    /// <summary>The square root of median-frequency weights: rare classes helped, frequent ones less penalised.</summary>
    SqrtMedianFrequency,
}

/// <summary>One epoch of training, as reported to <see cref="HypercolumnClassifierEstimator.Options.EpochCompleted"/>.</summary>
/// <param name="Stage">"A" (sparse) or "B" (dense).</param>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Loss">Mean training loss.</param>
/// <param name="LearningRate">Rate used.</param>
/// <param name="ValidationLoss">Stage A: loss on validation samples; null without validation data.</param>
/// <param name="ValidationAccuracy">Stage A: accuracy on validation samples; null without validation data.</param>
/// <param name="ValidationMeanIoU">Stage B: dense mean IoU on the validation images; null without validation data.</param>
/// <param name="Elapsed">Time since training began.</param>
public sealed record EpochReport(string Stage, int Epoch, double Loss, float LearningRate, double? ValidationLoss, double? ValidationAccuracy, double? ValidationMeanIoU, TimeSpan Elapsed);

/// <summary>The outcome of a whole stage, as reported to <see cref="HypercolumnClassifierEstimator.Options.StageCompleted"/>.</summary>
/// <param name="Stage">"A" or "B".</param>
/// <param name="Epochs">Epochs run (stage A may stop early; its weights are those of the best validation loss).</param>
/// <param name="Validation">Dense metrics of the stage's final weights on the validation images; null without validation data.</param>
/// <param name="Elapsed">Time since training began.</param>
public sealed record StageReport(string Stage, int Epochs, SegmentationMetrics? Validation, TimeSpan Elapsed);

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

    /// <summary>Every setting of both stages; defaults in <see cref="Defaults"/>.</summary>
    public sealed record Options
    {
        /// <summary>The hypercolumn column.</summary>
        public string HypercolumnsColumnName { get; init; } = "Hypercolumns";

        /// <summary>The ground-truth column.</summary>
        public string LabelColumnName { get; init; } = "Label";

        /// <summary>The prediction column written.</summary>
        public string PredictedLabelColumnName { get; init; } = "PredictedLabel";

        /// <summary>Hidden layer widths (Z → … → C).</summary>
        public IReadOnlyList<int> HiddenSizes { get; init; } = Defaults.HiddenSizes;

        /// <summary>Dropout after each hidden layer, in training.</summary>
        public float Dropout { get; init; } = Defaults.Dropout;

        /// <summary>K: cells sampled per class present in each image.</summary>
        public int SamplesPerClass { get; init; } = Defaults.SamplesPerClass;

        /// <summary>Optional cap on sampled rows per class.</summary>
        public int? SamplesPerClassCap { get; init; }

        /// <summary>A sample file to reuse (read if it exists, written after sampling otherwise).</summary>
        public string? SampleCachePath { get; init; }

        /// <summary>Stage A epochs over the samples.</summary>
        public int SparseEpochs { get; init; } = Defaults.SparseEpochs;

        /// <summary>Stage A minibatch size.</summary>
        public int BatchSize { get; init; } = Defaults.BatchSize;

        /// <summary>Stage A initial learning rate.</summary>
        public float LearningRate { get; init; } = Defaults.LearningRate;

        /// <summary>SGD momentum (both stages).</summary>
        public float Momentum { get; init; } = Defaults.Momentum;

        /// <summary>L2 weight decay on weights (both stages).</summary>
        public float WeightDecay { get; init; } = Defaults.WeightDecay;

        /// <summary>Stage A schedule.</summary>
        public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Step;

        /// <summary>Step schedule: epochs between drops.</summary>
        public int StepEpochs { get; init; } = Defaults.StepEpochs;

        /// <summary>Step schedule: factor of each drop.</summary>
        public float StepGamma { get; init; } = Defaults.StepGamma;

        /// <summary>Per-class loss weights (C values) for both stages, or null; when null, stage B uses <see cref="DenseClassWeighting"/>.</summary>
        public float[]? ClassWeights { get; init; }

        /// <summary>Stage B's class weights, measured from the training label maps, when <see cref="ClassWeights"/> is null.</summary>
        public ClassWeighting DenseClassWeighting { get; init; } = Defaults.DenseClassWeighting;

        /// <summary>Stage A stops after this many epochs without a better validation loss (needs validation data).</summary>
        public int EarlyStoppingPatience { get; init; } = Defaults.EarlyStoppingPatience;

        /// <summary>Stage B epochs over the images (0 = stage A only).</summary>
        public int DenseEpochs { get; init; } = Defaults.DenseEpochs;

        /// <summary>Stage B learning rate (cosine to zero over the stage).</summary>
        public float DenseLearningRate { get; init; } = Defaults.DenseLearningRate;

        /// <summary>
        /// Stage B computes its loss on the scores upsampled to each image's full resolution, as inference
        /// predicts (true), or on the output grid against labels brought to it by nearest neighbour (false).
        /// </summary>
        public bool DenseLossAtImageResolution { get; init; } = Defaults.DenseLossAtImageResolution;

        /// <summary>Images whose gradients are averaged per stage B step.</summary>
        public int DenseImagesPerStep { get; init; } = Defaults.DenseImagesPerStep;

        /// <summary>Validation images (with the same Hypercolumns and Label columns) for early stopping and per-epoch metrics.</summary>
        public IDataView? ValidationData { get; init; }

        /// <summary>A file to checkpoint the head after every stage B epoch and to resume from.</summary>
        public string? CheckpointPath { get; init; }

        /// <summary>Called after every epoch of either stage.</summary>
        public Action<EpochReport>? EpochCompleted { get; init; }

        /// <summary>Called when each stage ends, with its validation metrics (stage A alone, then A + B).</summary>
        public Action<StageReport>? StageCompleted { get; init; }

        /// <summary>Called with (done, total) as images are processed in sampling and stage B.</summary>
        public Action<string, int, int>? Progress { get; init; }
    }

    /// <summary>The defaults, shared by the catalog's flat overload and <see cref="Options"/>.</summary>
    public static class Defaults
    {
        /// <summary>[1024, 512].</summary>
        public static readonly IReadOnlyList<int> HiddenSizes = [1024, 512];

        /// <summary>0.5.</summary>
        public const float Dropout = 0.5f;

        /// <summary>6.</summary>
        public const int SamplesPerClass = 6;

        /// <summary>30.</summary>
        public const int SparseEpochs = 30;

        /// <summary>64.</summary>
        public const int BatchSize = 64;

        /// <summary>0.01.</summary>
        public const float LearningRate = 0.01f;

        /// <summary>0.9.</summary>
        public const float Momentum = 0.9f;

        /// <summary>5e-4.</summary>
        public const float WeightDecay = 5e-4f;

        /// <summary>10.</summary>
        public const int StepEpochs = 10;

        /// <summary>0.1.</summary>
        public const float StepGamma = 0.1f;

        /// <summary>10: at least one step of the step schedule, so a noisy validation loss cannot stop training before the rate drops.</summary>
        public const int EarlyStoppingPatience = 10;

        /// <summary>1.</summary>
        public const int DenseEpochs = 1;

        /// <summary>0.003 (measured on CamVid val: 63.6 % mean IoU after one epoch, against 61.9 % at 0.001).</summary>
        public const float DenseLearningRate = 0.003f;

        /// <summary>1.</summary>
        public const int DenseImagesPerStep = 1;

        /// <summary>None.</summary>
        public const ClassWeighting DenseClassWeighting = ClassWeighting.None;

        /// <summary>true.</summary>
        public const bool DenseLossAtImageResolution = true;
    }

    internal HypercolumnClassifierEstimator(SegmentationContext context, Options options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SparseEpochs, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DenseEpochs, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        if (!(options.Dropout >= 0 && options.Dropout < 1)) throw new ArgumentOutOfRangeException(nameof(options), "Dropout must be in [0, 1).");
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

    /// <summary>Trains stage A, then stage B when <see cref="Options.DenseEpochs"/> &gt; 0.</summary>
    /// <exception cref="SchemaException">A column is missing or of the wrong type.</exception>
    /// <exception cref="OperationCanceledException">The context was cancelled.</exception>
    public HypercolumnClassifierTransformer Fit(IDataView input)
    {
        GetOutputSchema(input.Schema);
        var classes = ((LabelMapDataViewType)input.Schema[options.LabelColumnName].Type).Classes;
        var clock = Stopwatch.StartNew();
        var random = new Random(context.NextSeed());
        var (head, lastReport) = TrainSparse(input, classes, random, clock);
        var transformer = new HypercolumnClassifierTransformer(head, classes, options.HypercolumnsColumnName, options.PredictedLabelColumnName);
        var stageA = options.ValidationData is null ? null : transformer.Evaluate(options.ValidationData, options.LabelColumnName, context.CancellationToken);
        if (stageA is not null) context.Write($"Stage A done: validation mean IoU {stageA.MeanIoU:P1}, pixel accuracy {stageA.PixelAccuracy:P1}.");
        options.StageCompleted?.Invoke(new StageReport("A", lastReport?.Epoch ?? 0, stageA, clock.Elapsed));
        if (options.DenseEpochs > 0)
        {
            var stageB = TrainDense(input, transformer, random, clock);
            options.StageCompleted?.Invoke(new StageReport("B", options.DenseEpochs, stageB, clock.Elapsed));
        }
        return transformer;
    }

    private (HypercolumnHead Head, EpochReport? Last) TrainSparse(IDataView input, SegmentationClassSet classes, Random random, Stopwatch clock)
    {
        EpochReport? last = null;
        var samples = LoadOrSample(input, random);
        context.Write($"Stage A: {samples.Count} samples of {samples.Channels} features ({string.Join(", ", samples.CountPerClass().Select((n, c) => $"{classes.ClassNames[c]} {n}"))}).");
        var head = new HypercolumnHead(samples.Channels, options.HiddenSizes, classes.ClassCount, random);
        Normalisation(samples, head.Mean, head.Std);
        SampledPixels? validation = options.ValidationData is null ? null
            : PixelSampler.Sample(options.ValidationData, options.SamplesPerClass, null, random.Next(), options.HypercolumnsColumnName, options.LabelColumnName, cancellation: context.CancellationToken);

        var sgd = new SgdMomentum(head, options.Momentum, options.WeightDecay);
        double bestLoss = double.PositiveInfinity;
        int sinceBest = 0;
        float[][]? bestWeights = null, bestBiases = null;
        var order = Enumerable.Range(0, samples.Count).ToArray();
        int z = samples.Channels;
        for (int epoch = 1; epoch <= options.SparseEpochs; epoch++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            float rate = SparseRate(epoch);
            random.Shuffle(order);
            double lossSum = 0;
            int batches = 0;
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                int count = Math.Min(options.BatchSize, order.Length - start);
                var (x, y) = Gather(samples, order.AsSpan(start, count));
                var logits = head.Forward(x, count, options.Dropout, random, out var trace, keepTrace: true);
                var gradient = new float[logits.Length];
                lossSum += HypercolumnHead.CrossEntropy(logits, classes.ClassCount, y, options.ClassWeights, gradient);
                var (dW, db) = head.Backward(trace!, gradient, count);
                sgd.Step(dW, db, rate);
                batches++;
            }
            double? validationLoss = null, validationAccuracy = null;
            if (validation is not null)
            {
                (validationLoss, validationAccuracy) = Score(head, validation);
                if (validationLoss < bestLoss - 1e-4)
                {
                    bestLoss = validationLoss.Value;
                    sinceBest = 0;
                    bestWeights = head.Weights.Select(w => (float[])w.Clone()).ToArray();
                    bestBiases = head.Biases.Select(b => (float[])b.Clone()).ToArray();
                }
                else if (++sinceBest >= options.EarlyStoppingPatience)
                {
                    Report(last = new EpochReport("A", epoch, lossSum / batches, rate, validationLoss, validationAccuracy, null, clock.Elapsed));
                    context.Write($"Stage A: stopped early at epoch {epoch}; validation loss has not improved for {sinceBest} epochs.");
                    break;
                }
            }
            Report(last = new EpochReport("A", epoch, lossSum / batches, rate, validationLoss, validationAccuracy, null, clock.Elapsed));
        }
        if (bestWeights is not null)
        {
            for (int l = 0; l < head.LayerCount; l++)
            {
                bestWeights[l].CopyTo(head.Weights[l], 0);
                bestBiases![l].CopyTo(head.Biases[l], 0);
            }
        }
        return (head, last);
    }

    private SampledPixels LoadOrSample(IDataView input, Random random)
    {
        if (options.SampleCachePath is string cached && File.Exists(cached))
        {
            context.Write($"Stage A: reusing the samples in {cached}.");
            return SampledPixels.Load(cached);
        }
        int total = (int)(input.GetRowCount() ?? 0);
        context.Write($"Stage A: sampling {options.SamplesPerClass} pixels per class from each image.");
        var samples = PixelSampler.Sample(input, options.SamplesPerClass, options.SamplesPerClassCap, random.Next(), options.HypercolumnsColumnName, options.LabelColumnName,
            new Progress(done => options.Progress?.Invoke("sampling", done, total)), context.CancellationToken);
        if (options.SampleCachePath is string path) samples.Save(path);
        return samples;
    }

    /// <returns>The validation metrics after the last epoch, or null without validation data.</returns>
    private SegmentationMetrics? TrainDense(IDataView input, HypercolumnClassifierTransformer transformer, Random random, Stopwatch clock)
    {
        SegmentationMetrics? validation = null;
        var head = transformer.Head;
        var sgd = new SgdMomentum(head, options.Momentum, options.WeightDecay);
        int firstEpoch = 1;
        if (options.CheckpointPath is string checkpoint && File.Exists(checkpoint))
            firstEpoch = DenseCheckpoint.Restore(checkpoint, head, sgd) + 1;
        var hypercolumns = input.Schema[options.HypercolumnsColumnName];
        var label = input.Schema[options.LabelColumnName];
        int total = (int)(input.GetRowCount() ?? 0);
        var classWeights = options.ClassWeights ?? DenseWeights(input, label, head.Classes);
        int steps = Math.Max(1, options.DenseEpochs * Math.Max(1, total) / options.DenseImagesPerStep);
        int step = (firstEpoch - 1) * Math.Max(1, total) / options.DenseImagesPerStep;
        for (int epoch = firstEpoch; epoch <= options.DenseEpochs; epoch++)
        {
            double lossSum = 0;
            int images = 0;
            float rate = options.DenseLearningRate;
            float[][]? accumulatedW = null, accumulatedB = null;
            int accumulated = 0;
            // Said as the epoch starts, not only when it ends: a log follower (segml's progress line) must never show stage A while stage B runs.
            context.Write($"Stage B epoch {epoch} of {options.DenseEpochs}: fine-tuning on whole images.");
            using (var cursor = input.GetRowCursor([hypercolumns, label], new Random(random.Next())))
            {
                var mapsGetter = cursor.GetGetter<HypercolumnMaps>(hypercolumns);
                var labelGetter = cursor.GetGetter<LabelMap>(label);
                HypercolumnMaps maps = null!;
                LabelMap truth = null!;
                while (cursor.MoveNext())
                {
                    context.CancellationToken.ThrowIfCancellationRequested();
                    labelGetter(ref truth);
                    mapsGetter(ref maps);
                    var targets = options.DenseLossAtImageResolution && truth.Height == maps.ImageHeight && truth.Width == maps.ImageWidth
                        ? truth.Labels.ToArray()
                        : PixelSampler.GridLabels(truth, maps.OutputHeight, maps.OutputWidth);
                    lossSum += DenseHead.Gradient(head, maps, targets, options.Dropout, random, classWeights, out var dW, out var db);
                    images++;
                    if (accumulatedW is null) (accumulatedW, accumulatedB) = (dW, db);
                    else
                        for (int l = 0; l < head.LayerCount; l++)
                        {
                            System.Numerics.Tensors.TensorPrimitives.Add(accumulatedW[l], dW[l], accumulatedW[l]);
                            System.Numerics.Tensors.TensorPrimitives.Add(accumulatedB![l], db[l], accumulatedB[l]);
                        }
                    if (++accumulated == options.DenseImagesPerStep)
                    {
                        rate = CosineRate(options.DenseLearningRate, step++, steps);
                        Scale(accumulatedW, accumulatedB!, 1f / accumulated);
                        sgd.Step(accumulatedW, accumulatedB!, rate);
                        (accumulatedW, accumulatedB, accumulated) = (null, null, 0);
                    }
                    options.Progress?.Invoke($"stage B epoch {epoch}", images, total);
                }
            }
            if (accumulatedW is not null)
            {
                Scale(accumulatedW, accumulatedB!, 1f / accumulated);
                sgd.Step(accumulatedW, accumulatedB!, rate);
            }
            validation = options.ValidationData is null ? null : transformer.Evaluate(options.ValidationData, options.LabelColumnName, context.CancellationToken);
            if (options.CheckpointPath is string path) DenseCheckpoint.Save(path, head, sgd, epoch);
            Report(new EpochReport("B", epoch, images == 0 ? 0 : lossSum / images, rate, null, null, validation?.MeanIoU, clock.Elapsed));
        }
        return validation;
    }

    /// <summary>Class weights from the label maps' class frequencies (one pass over the labels only).</summary>
    private float[]? DenseWeights(IDataView input, DataViewSchema.Column label, int classes)
    {
        if (options.DenseClassWeighting == ClassWeighting.None) return null;
        var counts = new long[classes];
        using (var cursor = input.GetRowCursor([label]))
        {
            var getter = cursor.GetGetter<LabelMap>(label);
            LabelMap labels = null!;
            while (cursor.MoveNext())
            {
                getter(ref labels);
                foreach (byte value in labels.Labels) if (value < classes) counts[value]++;
            }
        }
        var present = counts.Where(c => c > 0).Order().ToArray();
        if (present.Length == 0) return null;
        double median = present.Length % 2 == 1 ? present[present.Length / 2] : (present[present.Length / 2 - 1] + present[present.Length / 2]) / 2.0;
        var weights = counts.Select(c => c == 0 ? 0f : (float)(median / c)).ToArray();
        if (options.DenseClassWeighting == ClassWeighting.SqrtMedianFrequency)
            for (int c = 0; c < classes; c++) weights[c] = MathF.Sqrt(weights[c]);
        context.Write($"Stage B class weights: {string.Join(", ", weights.Select(w => w.ToString("F2")))}.");
        return weights;
    }

    private static void Scale(float[][] weights, float[][] biases, float factor)
    {
        foreach (var w in weights) System.Numerics.Tensors.TensorPrimitives.Multiply(w, factor, w);
        foreach (var b in biases) System.Numerics.Tensors.TensorPrimitives.Multiply(b, factor, b);
    }

    private void Report(EpochReport report)
    {
        context.Write($"Stage {report.Stage} epoch {report.Epoch}: loss {report.Loss:F4}, lr {report.LearningRate:G3}" +
            (report.ValidationLoss is double vl ? $", val loss {vl:F4}, val accuracy {report.ValidationAccuracy:P1}" : "") +
            (report.ValidationMeanIoU is double miou ? $", val mIoU {miou:P1}" : "") + $" ({report.Elapsed:mm\\:ss})");
        options.EpochCompleted?.Invoke(report);
    }

    private float SparseRate(int epoch) => options.Schedule switch
    {
        LearningRateSchedule.Cosine => CosineRate(options.LearningRate, epoch - 1, Math.Max(1, options.SparseEpochs)),
        _ => options.LearningRate * MathF.Pow(options.StepGamma, (epoch - 1) / Math.Max(1, options.StepEpochs)),
    };

    private static float CosineRate(float initial, int step, int steps) => initial * 0.5f * (1 + MathF.Cos(MathF.PI * Math.Min(step, steps) / steps));

    private static void Normalisation(SampledPixels samples, float[] mean, float[] std)
    {
        int z = samples.Channels, n = samples.Count;
        var sum = new double[z];
        var squares = new double[z];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < z; k++)
            {
                double v = samples.Features[i * z + k];
                sum[k] += v;
                squares[k] += v * v;
            }
        for (int k = 0; k < z; k++)
        {
            double m = sum[k] / Math.Max(1, n);
            mean[k] = (float)m;
            std[k] = (float)Math.Max(Math.Sqrt(Math.Max(squares[k] / Math.Max(1, n) - m * m, 0)), 1e-4);
        }
    }

    private static (float[] X, byte[] Y) Gather(SampledPixels samples, ReadOnlySpan<int> rows)
    {
        int z = samples.Channels, count = rows.Length;
        var x = new float[z * count];
        var y = new byte[count];
        for (int b = 0; b < count; b++)
        {
            var source = samples.Features.AsSpan(rows[b] * z, z);
            for (int k = 0; k < z; k++) x[k * count + b] = source[k];
            y[b] = samples.Labels[rows[b]];
        }
        return (x, y);
    }

    private (double Loss, double Accuracy) Score(HypercolumnHead head, SampledPixels samples)
    {
        double loss = 0;
        long correct = 0;
        const int chunk = 4096;
        var all = Enumerable.Range(0, samples.Count).ToArray();
        for (int start = 0; start < all.Length; start += chunk)
        {
            int count = Math.Min(chunk, all.Length - start);
            var (x, y) = Gather(samples, all.AsSpan(start, count));
            var logits = head.Forward(x, count, 0f, null, out _, keepTrace: false);
            var probabilities = new float[logits.Length];
            loss += HypercolumnHead.CrossEntropy(logits, head.Classes, y, null, probabilities) * count;
            var predicted = new byte[count];
            ChannelOps.Argmax(logits, head.Classes, predicted);
            for (int i = 0; i < count; i++) if (predicted[i] == y[i]) correct++;
        }
        return (loss / Math.Max(1, samples.Count), (double)correct / Math.Max(1, samples.Count));
    }

    private sealed class Progress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
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
    public Tensor Scores(HypercolumnMaps maps)
    {
        var logits = DenseHead.Logits(Head, maps);
        if (maps.Mirrored is HypercolumnMaps mirrored)
        {
            var other = DenseHead.Logits(Head, mirrored);
            int width = maps.OutputWidth;
            for (int row = 0; row < other.Length / width; row++)
            {
                var flipped = other.AsSpan(row * width, width);
                flipped.Reverse();
                var target = logits.AsSpan(row * width, width);
                System.Numerics.Tensors.TensorPrimitives.Add(target, flipped, target);
                System.Numerics.Tensors.TensorPrimitives.Multiply(target, 0.5f, target);
            }
        }
        var scores = Tensor.Uninitialized([Head.Classes, maps.ImageHeight, maps.ImageWidth]);
        Resize.Bilinear(logits, Head.Classes, maps.OutputHeight, maps.OutputWidth, scores.Span, maps.ImageHeight, maps.ImageWidth);
        return scores;
    }

    /// <summary>The label map of one image's hypercolumns.</summary>
    public LabelMap Predict(HypercolumnMaps maps)
    {
        using var scores = Scores(maps);
        var labels = new byte[maps.ImageHeight * maps.ImageWidth];
        ChannelOps.Argmax(scores.Span, Head.Classes, labels);
        return new LabelMap(maps.ImageWidth, maps.ImageHeight, labels);
    }

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

    internal SegmentationMetrics Evaluate(IDataView data, string labelColumnName, CancellationToken cancellation)
    {
        var matrix = new ConfusionMatrix(Classes.ClassCount, Classes.IgnoreValue);
        var hypercolumns = data.Schema[HypercolumnsColumnName];
        var label = data.Schema[labelColumnName];
        using var cursor = data.GetRowCursor([hypercolumns, label]);
        var mapsGetter = cursor.GetGetter<HypercolumnMaps>(hypercolumns);
        var labelGetter = cursor.GetGetter<LabelMap>(label);
        HypercolumnMaps maps = null!;
        LabelMap truth = null!;
        while (cursor.MoveNext())
        {
            cancellation.ThrowIfCancellationRequested();
            mapsGetter(ref maps);
            labelGetter(ref truth);
            matrix.Add(truth.Labels, Predict(maps).Labels);
        }
        return matrix.ComputeMetrics(Classes.ClassNames);
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

/// <summary>Stage B checkpoints: the head's parameters, the optimiser's velocities and the last finished epoch.</summary>
internal static class DenseCheckpoint
{
    public static void Save(string path, HypercolumnHead head, SgdMomentum sgd, int epoch)
    {
        var tensors = new List<CheckpointTensor>();
        for (int l = 0; l < head.LayerCount; l++)
        {
            tensors.Add(CheckpointTensor.FromFloat32($"layers.{l}.weight", [head.Weights[l].Length], head.Weights[l]));
            tensors.Add(CheckpointTensor.FromFloat32($"layers.{l}.bias", [head.Biases[l].Length], head.Biases[l]));
            tensors.Add(CheckpointTensor.FromFloat32($"velocity.{l}.weight", [head.Weights[l].Length], sgd.WeightVelocity[l]));
            tensors.Add(CheckpointTensor.FromFloat32($"velocity.{l}.bias", [head.Biases[l].Length], sgd.BiasVelocity[l]));
        }
        SafetensorsFile.Write(path, tensors, new Dictionary<string, string> { ["epoch"] = epoch.ToString(), ["sizes"] = string.Join(",", head.Sizes) });
    }

    /// <summary>Restores parameters and velocities; returns the last finished epoch.</summary>
    public static int Restore(string path, HypercolumnHead head, SgdMomentum sgd)
    {
        var state = SafetensorsFile.Read(path);
        if (!state.Metadata.TryGetValue("sizes", out var sizes) || sizes != string.Join(",", head.Sizes))
            throw new CheckpointFormatException($"The checkpoint was written for layer sizes [{sizes}], not [{string.Join(",", head.Sizes)}]; delete it or train with the same sizes.", path);
        for (int l = 0; l < head.LayerCount; l++)
        {
            state[$"layers.{l}.weight"].CopyTo(head.Weights[l]);
            state[$"layers.{l}.bias"].CopyTo(head.Biases[l]);
            state[$"velocity.{l}.weight"].CopyTo(sgd.WeightVelocity[l]);
            state[$"velocity.{l}.bias"].CopyTo(sgd.BiasVelocity[l]);
        }
        return int.Parse(state.Metadata["epoch"]);
    }
}
