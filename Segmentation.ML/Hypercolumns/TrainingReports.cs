using Segmentation.ML.Evaluation;

namespace Segmentation.ML.Hypercolumns;

/// <summary>One epoch of training, as reported to <see cref="HypercolumnTrainerOptions.EpochCompleted"/>.</summary>
/// <param name="Stage">"A" (sparse) or "B" (dense).</param>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Loss">Mean training loss.</param>
/// <param name="LearningRate">Rate used.</param>
/// <param name="ValidationLoss">Stage A: loss on validation samples; null without validation data.</param>
/// <param name="ValidationAccuracy">Stage A: accuracy on validation samples; null without validation data.</param>
/// <param name="ValidationMeanIoU">Stage B: dense mean IoU on the validation images; null without validation data.</param>
/// <param name="Elapsed">Time since training began.</param>
public sealed record EpochReport(string Stage, int Epoch, double Loss, float LearningRate, double? ValidationLoss, double? ValidationAccuracy, double? ValidationMeanIoU, TimeSpan Elapsed);

/// <summary>The outcome of a whole stage, as reported to <see cref="HypercolumnTrainerOptions.StageCompleted"/>.</summary>
/// <param name="Stage">"A" or "B".</param>
/// <param name="Epochs">Epochs run (stage A may stop early; its weights are those of the best validation loss).</param>
/// <param name="Validation">Dense metrics of the stage's final weights on the validation images; null without validation data.</param>
/// <param name="Elapsed">Time since training began.</param>
public sealed record StageReport(string Stage, int Epochs, SegmentationMetrics? Validation, TimeSpan Elapsed);
