using Segmentation.ML.Models.Checkpoints;

namespace Segmentation.ML.Models;

/// <summary>
/// What a <c>Backbone</c> runs, as a description the Onnx layer turns into a graph: one network read from a checkpoint
/// (<see cref="BackboneLayout"/>) or several run on the same image with their taps side by side (<see cref="CombinedLayout"/>).
/// Taps are in network order; <see cref="Normalization"/> is what turns RGB into the input the description expects.
/// </summary>
internal abstract class BackboneNetwork
{
    /// <summary>"vgg16", "mobilenet_v2", "resnet18", … or the combined networks' names joined by '+'.</summary>
    public abstract string Architecture { get; }

    /// <summary>What turns RGB pixels into the input the description expects.</summary>
    public abstract InputNormalization Normalization { get; }

    /// <summary>Every tap, in network order.</summary>
    public abstract IReadOnlyList<BackboneTap> Taps { get; }

    /// <summary>The taps used when none are named.</summary>
    public abstract IReadOnlyList<string> DefaultTaps { get; }

    /// <summary>The unfolded parameters the description was built from, by checkpoint key.</summary>
    public abstract IReadOnlyDictionary<string, ParameterTensor> FeatureParameters { get; }

    /// <summary>Multiply-adds of one forward pass through the last default tap at the given input size.</summary>
    public abstract long MultiplyAdds(int height, int width);

    /// <summary>The height and width of every tap's activation (in <see cref="Taps"/> order) for an input of the given size; 0 where the input is too small.</summary>
    public abstract (int Height, int Width)[] TapSizes(int height, int width);

    /// <summary>The position of the named tap in <see cref="Taps"/>.</summary>
    /// <exception cref="ArgumentException">No such tap (the message lists the valid ones).</exception>
    public int IndexOf(string tap)
    {
        for (int i = 0; i < Taps.Count; i++)
            if (Taps[i].Name == tap) return i;
        throw new ArgumentException($"{Architecture} has no tap '{tap}'; the taps are: {string.Join(", ", Taps.Select(t => t.Name))}.", nameof(tap));
    }
}
