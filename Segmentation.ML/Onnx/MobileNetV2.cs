using Segmentation.ML.Models;
using Segmentation.ML.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Segmentation.ML.Onnx;

/// <summary>
/// torchvision's MobileNetV2 (any width multiplier, channel counts read from the checkpoint) with
/// BatchNorm folded into the convolutions at load time and ReLU6 as Clip(0, 6). Taps are the outputs of
/// <c>features.0</c> … <c>features.18</c>; by default features 1, 3, 6, 13 and 17 (16 + 24 + 32 + 96 + 320 = 488 channels at width 1).
/// </summary>
public sealed class MobileNetV2 : Backbone
{
    internal MobileNetV2(BackboneLayout layout) : base(layout)
    {
    }

    /// <summary>Classes of the ImageNet classifier head, or 0 when the checkpoint has none.</summary>
    public int ClassCount => Network.ClassifierBias?.Length ?? 0;

    private BackboneLayout Network => (BackboneLayout)Layout;

    /// <summary>Builds MobileNetV2 from torchvision's keys (<c>features.0.0.weight</c> … <c>classifier.1.bias</c>).</summary>
    /// <exception cref="ModelLoadException">A key is missing or a shape does not chain; the message names it.</exception>
    public static new MobileNetV2 FromParameters(IReadOnlyDictionary<string, ParameterTensor> parameters) => new(MobileNetV2Layout.FromParameters(parameters));

    /// <summary>Runs the network and the classifier head: ImageNet logits for one normalised image.</summary>
    /// <exception cref="InvalidOperationException">The checkpoint had no classifier.</exception>
    public float[] Classify(ReadOnlySpan<float> image, int height, int width, CancellationToken cancellation = default)
    {
        if (Network.ClassifierWeight is not { } weight || Network.ClassifierBias is not { } bias)
            throw new InvalidOperationException("This MobileNetV2 was loaded without a classifier ('classifier.1.*').");
        using var features = Forward(image, height, width, ["features.18"], cancellation);
        var map = features["features.18"];
        int channels = map.Dim(0), pixels = map.Dim(1) * map.Dim(2);
        var pooled = new float[channels];
        for (int c = 0; c < channels; c++) pooled[c] = TensorPrimitives.Sum(map.Span.Slice(c * pixels, pixels)) / pixels;
        var logits = new float[bias.Length];
        Linear.Forward(weight, bias, pooled, logits, channels, logits.Length, 1);
        return logits;
    }
}
