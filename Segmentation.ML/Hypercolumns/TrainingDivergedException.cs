namespace Segmentation.ML.Hypercolumns;

/// <summary>
/// Thrown when training meets a loss or weight that is NaN or infinite. Training stops at once, so nothing trained
/// from such values is returned, checkpointed or saved; the message names the stage and epoch and what to try.
/// </summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="stage">"A" (sampled pixels) or "B" (whole images).</param>
    /// <param name="epoch">The epoch (1-based) in which it happened.</param>
    /// <param name="what">What was found not finite, e.g. "the loss of a batch is NaN".</param>
    /// <param name="learningRateSetting">The setting to lower and its value, e.g. "LearningRate (segml train --learning-rate) is 0.5".</param>
    public TrainingDivergedException(string stage, int epoch, string what, string learningRateSetting)
        : base($"Stage {stage} diverged in epoch {epoch}: {what}. Lower the learning rate ({learningRateSetting}), or check the inputs for " +
               "NaN or infinite values (the backbone weights, the images, a sample cache); nothing was saved.")
    {
        Stage = stage;
        Epoch = epoch;
    }

    /// <summary>"A" (sampled pixels) or "B" (whole images).</summary>
    public string Stage { get; }

    /// <summary>The epoch (1-based) in which the non-finite value appeared.</summary>
    public int Epoch { get; }
}
