using Segmentation.ML.Models;

namespace Segmentation.ML.Onnx;

/// <summary>
/// VGG's convolutional part in torchvision's <c>features.N</c> layout (VGG11, VGG13, VGG16, VGG19; no
/// BatchNorm variants): 3×3 convolutions with ReLU, 2×2 max-pools between blocks. Taps are the ReLU
/// outputs (<c>features.{conv index + 1}</c>); by default the five before each max-pool
/// (VGG16: 64 + 128 + 256 + 512 + 512 = 1472 channels).
/// </summary>
public sealed class Vgg : Backbone
{
    internal Vgg(BackboneLayout layout) : base(layout)
    {
    }

    /// <summary>Builds VGG from torchvision's <c>features.N.weight/bias</c> keys; <c>classifier.*</c> keys are ignored.</summary>
    /// <exception cref="ModelLoadException">A key is missing, a shape does not chain, or the checkpoint is a BatchNorm variant.</exception>
    public static new Vgg FromParameters(IReadOnlyDictionary<string, ParameterTensor> parameters) => new(VggLayout.FromParameters(parameters));
}
