using Segmentation.ML.Models.Checkpoints;

namespace Segmentation.ML.Models;

/// <summary>A layer whose output a backbone can hand to the hypercolumn featurizer.</summary>
/// <param name="Name">torchvision's module name, e.g. <c>features.3</c>.</param>
/// <param name="Channels">Channels of the activation.</param>
/// <param name="Stride">Input pixels per activation pixel (1, 2, 4, …), before any floor rounding.</param>
public sealed record BackboneTap(string Name, int Channels, int Stride);

/// <summary>What follows a convolution.</summary>
internal enum ConvolutionActivation
{
    None,
    Relu,

    /// <summary>min(max(x, 0), 6), MobileNetV2's.</summary>
    Relu6,
}

/// <summary>
/// One convolution of a backbone, BatchNorm already folded into its weights and bias, in torchvision's
/// layout: weights [OutChannels, InChannels / Groups, Kernel, Kernel], zero padding Kernel / 2 on every side.
/// </summary>
internal sealed record ConvolutionLayer(int InChannels, int OutChannels, int Kernel, int Stride, int Groups, float[] Weights, float[] Bias, ConvolutionActivation Activation)
{
    public int Padding => Kernel / 2;

    /// <summary>PyTorch's output size ⌊(size + 2·padding − kernel) / stride⌋ + 1, or 0 when the kernel does not fit.</summary>
    public int OutputSize(int size) => size + 2 * Padding < Kernel ? 0 : (size + 2 * Padding - Kernel) / Stride + 1;

    public long MultiplyAdds(int height, int width) => (long)OutChannels * OutputSize(height) * OutputSize(width) * (InChannels / Groups) * Kernel * Kernel;
}

/// <summary>A max-pool over square windows, PyTorch's conventions: the same padding on every side (padding never wins), floor rounding.</summary>
internal sealed record MaxPoolLayer(int Kernel, int Stride, int Padding)
{
    /// <summary>VGG's 2×2 pool of stride 2.</summary>
    public static MaxPoolLayer TwoByTwo { get; } = new(2, 2, 0);

    /// <summary>⌊(size + 2·padding − kernel) / stride⌋ + 1, or 0 when the window does not fit.</summary>
    public int OutputSize(int size) => size + 2 * Padding < Kernel ? 0 : (size + 2 * Padding - Kernel) / Stride + 1;
}

/// <summary>
/// A stage's input added back to the output of its convolutions: as it is (MobileNetV2's inverted residuals,
/// ResNet's identity shortcuts) or through a projection (ResNet's <c>downsample</c>: a strided 1×1 convolution with
/// its BatchNorm folded), followed by <see cref="Activation"/> (ResNet's ReLU after the sum).
/// </summary>
internal sealed record ResidualConnection(ConvolutionLayer? Projection, ConvolutionActivation Activation)
{
    /// <summary>The input added as it is, nothing after the sum (MobileNetV2).</summary>
    public static ResidualConnection Identity { get; } = new(null, ConvolutionActivation.None);
}

/// <summary>
/// One tappable step of a backbone: an optional max-pool, then convolutions in sequence, then the step's input
/// added back when it has a <see cref="Residual"/>. Its output is the activation of <see cref="Tap"/>.
/// </summary>
internal sealed record BackboneStage(BackboneTap Tap, MaxPoolLayer? Pool, IReadOnlyList<ConvolutionLayer> Convolutions, ResidualConnection? Residual)
{
    public (int Height, int Width) OutputSize(int height, int width)
    {
        if (Pool is not null) (height, width) = (Pool.OutputSize(height), Pool.OutputSize(width));
        foreach (var convolution in Convolutions) (height, width) = (convolution.OutputSize(height), convolution.OutputSize(width));
        return (height, width);
    }

    public long MultiplyAdds(int height, int width)
    {
        if (Pool is not null) (height, width) = (Pool.OutputSize(height), Pool.OutputSize(width));
        long total = Residual?.Projection?.MultiplyAdds(height, width) ?? 0;
        foreach (var convolution in Convolutions)
        {
            total += convolution.MultiplyAdds(height, width);
            (height, width) = (convolution.OutputSize(height), convolution.OutputSize(width));
        }
        return total;
    }
}

/// <summary>
/// A backbone as read from a torchvision state dict (or ML.NET's ResNet-18 package): its stages in network order
/// (one per tap), the default taps, the input normalisation its weights expect and, for MobileNetV2, the ImageNet
/// classifier. This is the description the Onnx layer turns into a graph; nothing here runs the network.
/// </summary>
internal sealed class BackboneLayout : BackboneNetwork
{
    public BackboneLayout(string architecture, IReadOnlyList<BackboneStage> stages, IReadOnlyList<string> defaultTaps,
        IReadOnlyDictionary<string, ParameterTensor> featureParameters, float[]? classifierWeight = null, float[]? classifierBias = null,
        InputNormalization? normalization = null)
    {
        Normalization = normalization ?? ImageNetNormalization.Instance;
        Architecture = architecture;
        Stages = stages;
        Taps = stages.Select(s => s.Tap).ToArray();
        DefaultTaps = defaultTaps;
        FeatureParameters = featureParameters;
        ClassifierWeight = classifierWeight;
        ClassifierBias = classifierBias;
    }

    /// <summary>"vgg11", "vgg16", "mobilenet_v2", "resnet18", "resnet50", ….</summary>
    public override string Architecture { get; }

    /// <summary>What turns RGB pixels into the input the weights expect (torchvision's: ImageNet mean/std).</summary>
    public override InputNormalization Normalization { get; }

    public IReadOnlyList<BackboneStage> Stages { get; }

    public override IReadOnlyList<BackboneTap> Taps { get; }

    public override IReadOnlyList<string> DefaultTaps { get; }

    /// <summary>The unfolded parameters the layout was built from (VGG's and MobileNetV2's <c>features.*</c>, ResNet's all but <c>fc.*</c>).</summary>
    public override IReadOnlyDictionary<string, ParameterTensor> FeatureParameters { get; }

    /// <summary>MobileNetV2's ImageNet classifier, row-major [classes, channels of the last stage], or null.</summary>
    public float[]? ClassifierWeight { get; }

    /// <summary>The classifier's bias [classes], or null.</summary>
    public float[]? ClassifierBias { get; }

    /// <summary>
    /// Builds the layout a state dict describes. Only floating-point tensors the network uses are converted
    /// to float32 (VGG's classifier is skipped, so a 528 MB VGG16 file costs only its 59 MB of convolutions).
    /// </summary>
    /// <exception cref="ModelLoadException">Its keys or shapes match no supported backbone.</exception>
    public static BackboneLayout FromStateDict(StateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (ArchitectureDetector.WhyNoBackbone(stateDict) is string problem) throw new ModelLoadException(problem);
        bool mobileNet = stateDict.ContainsKey("features.18.0.weight");
        bool resNet = stateDict.ContainsKey("conv1.weight");
        var parameters = stateDict.Tensors
            .Where(t => t.DType is CheckpointDType.F32 or CheckpointDType.F16 or CheckpointDType.BF16 or CheckpointDType.F64)
            .Where(t => mobileNet || (resNet ? !t.Name.StartsWith("fc.", StringComparison.Ordinal) : t.Name.StartsWith("features.", StringComparison.Ordinal)))
            .ToDictionary(t => t.Name, t => new ParameterTensor(t.Shape, t.ToFloat32(requireFinite: true)));
        return FromParameters(parameters);
    }

    /// <summary>Builds the layout of torchvision parameters, detecting the architecture from their keys.</summary>
    /// <exception cref="ModelLoadException">The keys or shapes match none of the supported architectures; the message names the first problem.</exception>
    public static BackboneLayout FromParameters(IReadOnlyDictionary<string, ParameterTensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.ContainsKey("features.18.0.weight")) return MobileNetV2Layout.FromParameters(parameters);
        if (parameters.ContainsKey("features.0.weight")) return VggLayout.FromParameters(parameters);
        if (ResNetLayout.IsResNet(parameters)) return ResNetLayout.FromParameters(parameters);
        throw new ModelLoadException(ArchitectureDetector.NoBackboneMessage(parameters.Keys));
    }

    /// <summary>torchvision's shapes with random weights (He-style), for demos, tests and benchmarks that must run offline.</summary>
    /// <exception cref="ArgumentException">The architecture is not vgg11, vgg16, mobilenet_v2, resnet18 or resnet50.</exception>
    public static Dictionary<string, ParameterTensor> RandomParameters(string architecture, Random random) => architecture switch
    {
        "vgg11" or "vgg16" => VggLayout.RandomParameters(architecture, random),
        "mobilenet_v2" => MobileNetV2Layout.RandomParameters(random),
        "resnet18" or "resnet50" => ResNetLayout.RandomParameters(architecture, random),
        _ => throw new ArgumentException($"Unknown architecture '{architecture}'; use vgg11, vgg16, mobilenet_v2, resnet18 or resnet50.", nameof(architecture)),
    };

    /// <summary>The stage whose output is the named tap (one stage per tap).</summary>
    /// <exception cref="ArgumentException">No such tap (the message lists the valid ones).</exception>
    public int StageOf(string tap) => IndexOf(tap);

    /// <inheritdoc />
    public override (int Height, int Width)[] TapSizes(int height, int width)
    {
        var sizes = new (int, int)[Stages.Count];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = (height, width) = Stages[i].OutputSize(height, width);
        return sizes;
    }

    /// <inheritdoc />
    public override long MultiplyAdds(int height, int width)
    {
        int last = DefaultTaps.Max(StageOf);
        long total = 0;
        for (int i = 0; i <= last; i++)
        {
            total += Stages[i].MultiplyAdds(height, width);
            (height, width) = Stages[i].OutputSize(height, width);
        }
        return total;
    }
}
