using Segmentation.ML.Models.Checkpoints;

namespace Segmentation.ML.Hypercolumns;

/// <summary>
/// Stage B checkpoints: the head's normalisation, weights and biases, the optimiser's velocities and the last finished
/// epoch, with the settings they were trained with, in a <see cref="TrainingFile"/> (format version and SHA-256
/// verified on restore). A checkpoint from other settings or layer sizes is refused saying what differs.
/// </summary>
internal static class DenseCheckpoint
{
    private const string FileFormat = "segml.dense-checkpoint";
    private const int FileVersion = 1;
    private const string Remedy = "delete it to train stage B from its first epoch";

    /// <param name="settings">What the head was trained with (taps, output stride, classes); the layer sizes are added here.</param>
    public static void Save(string path, HypercolumnHead head, SgdMomentum sgd, int epoch, IReadOnlyDictionary<string, string> settings)
    {
        var tensors = new List<TrainingTensor> { TrainingTensor.Of("mean", head.Mean, head.InputSize), TrainingTensor.Of("std", head.Std, head.InputSize) };
        for (int l = 0; l < head.LayerCount; l++)
        {
            int outputs = head.Sizes[l + 1], inputs = head.Sizes[l];
            tensors.Add(TrainingTensor.Of($"layers.{l}.weight", head.Weights[l], outputs, inputs));
            tensors.Add(TrainingTensor.Of($"layers.{l}.bias", head.Biases[l], outputs));
            tensors.Add(TrainingTensor.Of($"velocity.{l}.weight", sgd.WeightVelocity[l], outputs, inputs));
            tensors.Add(TrainingTensor.Of($"velocity.{l}.bias", sgd.BiasVelocity[l], outputs));
        }
        TrainingFile.Write(path, FileFormat, FileVersion, new Dictionary<string, string> { ["epoch"] = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            WithSizes(settings, head), tensors);
    }

    /// <summary>Restores the head and velocities, after checking every field and shape; returns the last finished epoch.</summary>
    /// <param name="epochs">The stage B epochs of this run; a checkpoint further on is refused.</param>
    /// <exception cref="CheckpointFormatException">The file is damaged, of another format or version, or from other settings; the head is unchanged.</exception>
    public static int Restore(string path, HypercolumnHead head, SgdMomentum sgd, IReadOnlyDictionary<string, string> settings, int epochs)
    {
        var file = TrainingFileReader.Open(path, FileFormat, FileVersion, "stage B checkpoint", Remedy);
        file.ExpectSettings(WithSizes(settings, head));
        int epoch = file.IntField("epoch", 1, int.MaxValue);
        if (epoch > epochs)
            throw file.Error("epoch", $"the checkpoint has finished epoch {epoch}, but this run trains {epochs} stage B epochs: train at least {epoch}.");
        var mean = file.Floats("mean", head.InputSize);
        var std = file.Floats("std", head.InputSize);
        if (Array.FindIndex(std, s => !(s > 0)) is int bad and >= 0)
            throw file.Error("std", $"element {bad} is {std[bad]}; standard deviations must be positive.");
        var layers = Enumerable.Range(0, head.LayerCount).Select(l => (
            Weight: file.Floats($"layers.{l}.weight", head.Sizes[l + 1], head.Sizes[l]),
            Bias: file.Floats($"layers.{l}.bias", head.Sizes[l + 1]),
            WeightVelocity: file.Floats($"velocity.{l}.weight", head.Sizes[l + 1], head.Sizes[l]),
            BiasVelocity: file.Floats($"velocity.{l}.bias", head.Sizes[l + 1]))).ToList();
        file.RequireNoOthers();

        mean.CopyTo(head.Mean, 0);
        std.CopyTo(head.Std, 0);
        for (int l = 0; l < head.LayerCount; l++)
        {
            layers[l].Weight.CopyTo(head.Weights[l], 0);
            layers[l].Bias.CopyTo(head.Biases[l], 0);
            layers[l].WeightVelocity.CopyTo(sgd.WeightVelocity[l], 0);
            layers[l].BiasVelocity.CopyTo(sgd.BiasVelocity[l], 0);
        }
        return epoch;
    }

    private static Dictionary<string, string> WithSizes(IReadOnlyDictionary<string, string> settings, HypercolumnHead head) =>
        new(settings, StringComparer.Ordinal) { ["layer sizes"] = string.Join(", ", head.Sizes) };
}
