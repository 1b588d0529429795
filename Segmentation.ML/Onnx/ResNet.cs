using Segmentation.ML.Models;

namespace Segmentation.ML.Onnx;

/// <summary>
/// A ResNet (torchvision's resnet18 … resnet152, or the ImageNet ResNet-18 of ML.NET's
/// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> package) with BatchNorm folded into the convolutions. Taps are
/// named after torchvision's modules: <c>relu</c> (stem, stride 2), <c>maxpool</c> (stride 4), every block
/// <c>layerL.B</c>, and <c>layer1</c> … <c>layer4</c> for each layer's last block (strides 4, 8, 16, 32); by default
/// relu, layer1, layer2, layer3 and layer4 (64 + 64 + 128 + 256 + 512 = 1024 channels for ResNet-18).
/// </summary>
public sealed class ResNet : Backbone
{
    internal ResNet(BackboneLayout layout) : base(layout)
    {
    }

    /// <summary>Builds a ResNet from torchvision's keys (<c>conv1.weight</c>, <c>bn1.*</c>, <c>layer1.0.conv1.weight</c> …); <c>fc.*</c> keys are ignored.</summary>
    /// <exception cref="ModelLoadException">The block counts match no torchvision ResNet, or a key is missing, unexpected or of another shape; the message names it.</exception>
    public static new ResNet FromParameters(IReadOnlyDictionary<string, ParameterTensor> parameters) => new(ResNetLayout.FromParameters(parameters));

    /// <summary>
    /// The ImageNet ResNet-18 that ML.NET's DnnImageFeaturizer package ships (<c>ResNet18.onnx</c>, exported by CNTK,
    /// and its preprocessing <c>ResNetPreprocess.onnx</c>: BGR minus a mean image), rebuilt as this library's graph
    /// for any image size. Nothing is downloaded: the files come with the NuGet package
    /// <see cref="MLNetResNet18.PackageId"/> <see cref="MLNetResNet18.PackageVersion"/>.
    /// </summary>
    /// <param name="folder">The <c>DnnImageModels</c> folder holding <c>ResNet18Onnx/</c> and <c>ResNetPrepOnnx/</c>;
    /// null to look where ML.NET looks (the application's folder), then in the NuGet package cache.</param>
    /// <exception cref="PretrainedModelNotFoundException">The files are in none of those places; the message names the package to restore.</exception>
    /// <exception cref="ModelFormatException">A file is not the ResNet-18 or preprocessing the package ships; the message names the file and what differs.</exception>
    public static ResNet LoadMLNetResNet18(string? folder = null) => new(MLNetResNet18.Load(folder));
}
