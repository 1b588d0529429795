namespace Segmentation.ML.Models.Checkpoints;

/// <summary>
/// Thrown by <see cref="StateDictReport.ThrowIfMismatched"/> when a checkpoint does not fit a model: keys are missing
/// or unexpected, or a tensor's shape differs. The message names the first mismatching key with both shapes and the
/// counts and first names of the missing and unexpected keys; <see cref="Report"/> holds all of them.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>Creates the exception from a report that is not a match.</summary>
    public CheckpointMismatchException(StateDictReport report) : base((report ?? throw new ArgumentNullException(nameof(report))).Describe())
    {
        Report = report;
    }

    /// <summary>The full comparison of the checkpoint with the model's expected shapes.</summary>
    public StateDictReport Report { get; }
}
