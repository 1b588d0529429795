using Segmentation.ML.Evaluation;

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

/// <summary>
/// Every setting of the hypercolumn head's training, both stages: stage A (an MLP on hypercolumns sampled K
/// per class per image) and stage B (the same weights as 1×1 convolutions on whole images). Defaults in
/// <see cref="Defaults"/>.
/// </summary>
public record HypercolumnTrainerOptions
{


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

    /// <summary>A file to checkpoint the head after every stage B epoch and to resume from.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Called after every epoch of either stage.</summary>
    public Action<EpochReport>? EpochCompleted { get; init; }

    /// <summary>Called when each stage ends, with its validation metrics (stage A alone, then A + B).</summary>
    public Action<StageReport>? StageCompleted { get; init; }

    /// <summary>Called with (what, done, total) as images are processed in sampling and stage B.</summary>
    public Action<string, int, int>? Progress { get; init; }

    /// <summary>The defaults, shared by the catalogs' flat overloads and the options.</summary>
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
}
