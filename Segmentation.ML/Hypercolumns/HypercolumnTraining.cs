using System.Diagnostics;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models.Checkpoints;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Hypercolumns;

/// <summary>
/// The hypercolumn head's training, written here because no library does it: stage A trains an MLP
/// (normalisation, hidden layers with ReLU and dropout, class scores) on hypercolumns sampled K per class per
/// image; stage B fine-tunes the same weights as 1×1 convolutions on whole images with cross-entropy over
/// every labelled pixel, the first layer factorised per tap (projection at each tap's resolution, then
/// upsampling), backbone frozen. Reads its images through <see cref="LabelledHypercolumns"/>, so any data
/// source can feed it.
/// </summary>
internal sealed class HypercolumnTraining
{
    private readonly HypercolumnTrainerOptions options;
    private readonly Action<string> log;
    private readonly CancellationToken cancellation;
    private (LabelledHypercolumns Input, Dictionary<string, string> Values)? settings;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public HypercolumnTraining(HypercolumnTrainerOptions options, Action<string> log, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SparseEpochs, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DenseEpochs, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        if (!(options.Dropout >= 0 && options.Dropout < 1)) throw new ArgumentOutOfRangeException(nameof(options), "Dropout must be in [0, 1).");
        this.options = options;
        this.log = log;
        this.cancellation = cancellation;
    }

    /// <summary>
    /// Trains stage A, then stage B when <see cref="HypercolumnTrainerOptions.DenseEpochs"/> &gt; 0, validating on
    /// <paramref name="validation"/> when given (early stopping in stage A, dense metrics after each stage).
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="TrainingDivergedException">A loss or weight became NaN or infinite; nothing was checkpointed from it.</exception>
    /// <exception cref="CheckpointFormatException">The sample cache or stage B checkpoint is damaged or was made with other settings.</exception>
    public HypercolumnHead Train(LabelledHypercolumns input, LabelledHypercolumns? validation, int seed)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(seed);
        var (head, lastReport) = TrainSparse(input, validation, random, clock);
        var stageA = validation is null ? null : Evaluate(head, validation);
        if (stageA is not null) log($"Stage A done: validation mean IoU {stageA.MeanIoU:P1}, pixel accuracy {stageA.PixelAccuracy:P1}.");
        options.StageCompleted?.Invoke(new StageReport("A", lastReport?.Epoch ?? 0, stageA, clock.Elapsed));
        if (options.DenseEpochs > 0)
        {
            var stageB = TrainDense(input, validation, head, random, clock);
            options.StageCompleted?.Invoke(new StageReport("B", options.DenseEpochs, stageB, clock.Elapsed));
        }
        return head;
    }

    /// <summary>Dense metrics of <paramref name="head"/> on every image of <paramref name="data"/>.</summary>
    public SegmentationMetrics Evaluate(HypercolumnHead head, LabelledHypercolumns data)
    {
        var classes = data.Classes;
        var matrix = new ConfusionMatrix(classes.ClassCount, classes.IgnoreValue);
        foreach (var (maps, truth) in data.Read(null, cancellation))
            matrix.Add(truth.Labels, DenseHead.Predict(head, maps).Labels);
        return matrix.ComputeMetrics(classes.ClassNames);
    }

    private (HypercolumnHead Head, EpochReport? Last) TrainSparse(LabelledHypercolumns input, LabelledHypercolumns? validationData, Random random, Stopwatch clock)
    {
        EpochReport? last = null;
        var classes = input.Classes;
        var samples = LoadOrSample(input, random);
        log($"Stage A: {samples.Count} samples of {samples.Channels} features ({string.Join(", ", samples.CountPerClass().Select((n, c) => $"{classes.ClassNames[c]} {n}"))}).");
        var head = new HypercolumnHead(samples.Channels, options.HiddenSizes, classes.ClassCount, random);
        Normalisation(samples, head.Mean, head.Std);
        SampledPixels? validation = validationData is null ? null
            : PixelSampler.Sample(validationData, options.SamplesPerClass, null, random.Next(), null, cancellation);

        var sgd = new SgdMomentum(head, options.Momentum, options.WeightDecay);
        double bestLoss = double.PositiveInfinity;
        int sinceBest = 0;
        float[][]? bestWeights = null, bestBiases = null;
        var order = Enumerable.Range(0, samples.Count).ToArray();
        int z = samples.Channels;
        for (int epoch = 1; epoch <= options.SparseEpochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
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
                double loss = HypercolumnHead.CrossEntropy(logits, classes.ClassCount, y, options.ClassWeights, gradient);
                if (!double.IsFinite(loss)) throw Diverged("A", epoch, $"the loss of a batch is {loss}");
                lossSum += loss;
                var (dW, db) = head.Backward(trace!, gradient, count);
                sgd.Step(dW, db, rate);
                batches++;
            }
            RequireFiniteWeights(head, "A", epoch);
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
                    log($"Stage A: stopped early at epoch {epoch}; validation loss has not improved for {sinceBest} epochs.");
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

    private SampledPixels LoadOrSample(LabelledHypercolumns input, Random random)
    {
        if (options.SampleCachePath is string cached && File.Exists(cached))
        {
            log($"Stage A: reusing the samples in {cached}.");
            return SampledPixels.Load(cached, SampleSettings(input));
        }
        int total = input.Count ?? 0;
        log($"Stage A: sampling {options.SamplesPerClass} pixels per class from each image.");
        var samples = PixelSampler.Sample(input, options.SamplesPerClass, options.SamplesPerClassCap, random.Next(),
            new Progress(done => options.Progress?.Invoke("sampling", done, total)), cancellation);
        if (options.SampleCachePath is string path) samples.Save(path, SampleSettings(input));
        return samples;
    }

    /// <summary>
    /// What a sample cache or stage B checkpoint must have been made with to be reused: the classes, the hypercolumn
    /// length, and the taps and output stride, read from the first image's hypercolumns (one forward pass).
    /// </summary>
    private IReadOnlyDictionary<string, string> Settings(LabelledHypercolumns input)
    {
        if (settings is { } known && known.Input == input) return known.Values;
        var values = new Dictionary<string, string>
        {
            ["classes"] = TrainingFile.DescribeClasses(input.Classes),
            ["hypercolumn length"] = input.Channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (maps, _) in input.Read(null, cancellation))
        {
            values["taps"] = string.Join(", ", maps.Taps.Select(t => $"{t.Tap.Name} ({t.Tap.Channels} channels)"));
            values["output stride"] = maps.OutputStride.ToString(System.Globalization.CultureInfo.InvariantCulture);
            break;
        }
        settings = (input, values);
        return values;
    }

    private Dictionary<string, string> SampleSettings(LabelledHypercolumns input) => new(Settings(input))
    {
        ["samples per class"] = options.SamplesPerClass.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["samples per class cap"] = options.SamplesPerClassCap?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none",
    };

    /// <returns>The validation metrics after the last epoch, or null without validation data.</returns>
    private SegmentationMetrics? TrainDense(LabelledHypercolumns input, LabelledHypercolumns? validationData, HypercolumnHead head, Random random, Stopwatch clock)
    {
        SegmentationMetrics? validation = null;
        var sgd = new SgdMomentum(head, options.Momentum, options.WeightDecay);
        int firstEpoch = 1;
        if (options.CheckpointPath is string checkpoint && File.Exists(checkpoint))
            firstEpoch = DenseCheckpoint.Restore(checkpoint, head, sgd, Settings(input), options.DenseEpochs) + 1;
        int total = input.Count ?? 0;
        var classWeights = options.ClassWeights ?? DenseWeights(input, head.Classes);
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
            log($"Stage B epoch {epoch} of {options.DenseEpochs}: fine-tuning on whole images.");
            {
                foreach (var (maps, truth) in input.Read(new Random(random.Next()), cancellation))
                {
                    var targets = options.DenseLossAtImageResolution && truth.Height == maps.ImageHeight && truth.Width == maps.ImageWidth
                        ? truth.Labels.ToArray()
                        : PixelSampler.GridLabels(truth, maps.OutputHeight, maps.OutputWidth);
                    double loss = DenseHead.Gradient(head, maps, targets, options.Dropout, random, classWeights, out var dW, out var db);
                    if (!double.IsFinite(loss)) throw Diverged("B", epoch, $"the loss of image {images + 1} is {loss}");
                    lossSum += loss;
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
            RequireFiniteWeights(head, "B", epoch);
            validation = validationData is null ? null : Evaluate(head, validationData);
            if (options.CheckpointPath is string path) DenseCheckpoint.Save(path, head, sgd, epoch, Settings(input));
            Report(new EpochReport("B", epoch, images == 0 ? 0 : lossSum / images, rate, null, null, validation?.MeanIoU, clock.Elapsed));
        }
        return validation;
    }

    /// <summary>Class weights from the label maps' class frequencies (one pass over the labels only).</summary>
    private float[]? DenseWeights(LabelledHypercolumns input, int classes)
    {
        if (options.DenseClassWeighting == ClassWeighting.None) return null;
        var counts = new long[classes];
        foreach (var labels in input.ReadLabels(cancellation))
            foreach (byte value in labels.Labels) if (value < classes) counts[value]++;
        var present = counts.Where(c => c > 0).Order().ToArray();
        if (present.Length == 0) return null;
        double median = present.Length % 2 == 1 ? present[present.Length / 2] : (present[present.Length / 2 - 1] + present[present.Length / 2]) / 2.0;
        var weights = counts.Select(c => c == 0 ? 0f : (float)(median / c)).ToArray();
        if (options.DenseClassWeighting == ClassWeighting.SqrtMedianFrequency)
            for (int c = 0; c < classes; c++) weights[c] = MathF.Sqrt(weights[c]);
        log($"Stage B class weights: {string.Join(", ", weights.Select(w => w.ToString("F2")))}.");
        return weights;
    }

    /// <summary>A step can overflow the weights even when the loss before it was finite; they are checked before anything can keep them.</summary>
    private void RequireFiniteWeights(HypercolumnHead head, string stage, int epoch)
    {
        for (int l = 0; l < head.LayerCount; l++)
        {
            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(head.Weights[l]) || !System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(head.Biases[l]))
                throw Diverged(stage, epoch, $"the weights of layer {l + 1} are no longer finite after the epoch's steps");
        }
    }

    private TrainingDivergedException Diverged(string stage, int epoch, string what) => new(stage, epoch, what, stage == "A"
        ? $"LearningRate, segml train --learning-rate, is {options.LearningRate}"
        : $"DenseLearningRate, segml train --dense-learning-rate, is {options.DenseLearningRate}");

    private static void Scale(float[][] weights, float[][] biases, float factor)
    {
        foreach (var w in weights) System.Numerics.Tensors.TensorPrimitives.Multiply(w, factor, w);
        foreach (var b in biases) System.Numerics.Tensors.TensorPrimitives.Multiply(b, factor, b);
    }

    private void Report(EpochReport report)
    {
        log($"Stage {report.Stage} epoch {report.Epoch}: loss {report.Loss:F4}, lr {report.LearningRate:G3}" +
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
