namespace Segmentation.ML.Models.Checkpoints;

/// <summary>Recognises torchvision's VGG11, VGG16, MobileNetV2 (width 1.0) and ResNet state dicts from their keys and shapes.</summary>
internal static class ArchitectureDetector
{
    /// <summary>torchvision's VGG16 (configuration D): <c>features</c> index and output channels of each 3×3 convolution.</summary>
    private static readonly (int Index, int Channels)[] Vgg16 =
        [(0, 64), (2, 64), (5, 128), (7, 128), (10, 256), (12, 256), (14, 256), (17, 512), (19, 512), (21, 512), (24, 512), (26, 512), (28, 512)];

    /// <summary>torchvision's VGG11 (configuration A).</summary>
    private static readonly (int Index, int Channels)[] Vgg11 =
        [(0, 64), (3, 128), (6, 256), (8, 256), (11, 512), (13, 512), (16, 512), (18, 512)];

    /// <summary>Output channels of MobileNetV2's inverted-residual blocks <c>features.1</c> to <c>features.17</c>.</summary>
    private static readonly int[] MobileNetV2Blocks = [16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320];

    /// <param name="shapeOf">The shape of a key, or null when absent.</param>
    /// <param name="keys">All keys.</param>
    public static string? Detect(Func<string, int[]?> shapeOf, IEnumerable<string> keys)
    {
        if (IsMobileNetV2(shapeOf)) return "mobilenet_v2";
        foreach (var (name, bottleneck, blocks) in ResNetLayout.Configurations)
            if (IsResNet(bottleneck, blocks, shapeOf)) return name;
        var featureKeys = keys.Where(k => k.StartsWith("features.", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        if (IsVgg(Vgg16, shapeOf, featureKeys)) return "vgg16";
        if (IsVgg(Vgg11, shapeOf, featureKeys)) return "vgg11";
        return null;
    }

    /// <summary>
    /// Why a state dict cannot be a supported backbone, or null when it has the first convolution of one as a
    /// floating-point tensor (<c>features.0.weight</c> for VGG, <c>features.18.0.weight</c> for MobileNetV2,
    /// <c>conv1.weight</c> for ResNet).
    /// </summary>
    public static string? WhyNoBackbone(StateDict stateDict) =>
        new[] { "features.0.weight", "features.18.0.weight", "conv1.weight" }.Any(key => stateDict.TryGetValue(key, out var tensor) && tensor.DType.IsFloatingPoint())
            ? null
            : NoBackboneMessage(stateDict.Keys);

    /// <summary>The error for keys that match no supported backbone: the first keys, and what to do when the layout is recognisably another one.</summary>
    public static string NoBackboneMessage(IEnumerable<string> keys)
    {
        var all = keys.ToList();
        string found = all.Count == 0 ? "it holds no tensors" : $"its first keys are: {string.Join(", ", all.Take(5))}{(all.Count > 5 ? $" (of {all.Count})" : "")}";
        string hint = "";
        if (all.Count > 0 && all.All(k => k.StartsWith("module.", StringComparison.Ordinal)))
            hint = " Every key starts with 'module.', the prefix of a model saved while wrapped in nn.DataParallel or DistributedDataParallel: " +
                   "strip it (in Python: {k.removeprefix('module.'): v for k, v in state_dict.items()}) and save the state dict again.";
        return $"The checkpoint matches no supported backbone (vgg11, vgg16, mobilenet_v2, resnet18, resnet34, resnet50, resnet101, resnet152 in torchvision's layout); {found}.{hint}";
    }

    private static bool IsVgg((int Index, int Channels)[] layers, Func<string, int[]?> shapeOf, HashSet<string> featureKeys)
    {
        if (featureKeys.Count != 2 * layers.Length) return false;
        int inputs = 3;
        foreach (var (index, channels) in layers)
        {
            if (!Is(shapeOf($"features.{index}.weight"), channels, inputs, 3, 3) || !Is(shapeOf($"features.{index}.bias"), channels)) return false;
            inputs = channels;
        }
        return true;
    }

    private static bool IsMobileNetV2(Func<string, int[]?> shapeOf)
    {
        if (!Is(shapeOf("features.0.0.weight"), 32, 3, 3, 3) || !Is(shapeOf("features.1.conv.0.0.weight"), 32, 1, 3, 3) ||
            !Is(shapeOf("features.1.conv.1.weight"), 16, 32, 1, 1) || !Is(shapeOf("features.18.0.weight"), 1280, 320, 1, 1))
            return false;
        for (int block = 2; block <= 17; block++)
        {
            int inputs = MobileNetV2Blocks[block - 2], hidden = 6 * inputs;
            if (!Is(shapeOf($"features.{block}.conv.0.0.weight"), hidden, inputs, 1, 1) ||
                !Is(shapeOf($"features.{block}.conv.1.0.weight"), hidden, 1, 3, 3) ||
                !Is(shapeOf($"features.{block}.conv.2.weight"), MobileNetV2Blocks[block - 1], hidden, 1, 1))
                return false;
        }
        return true;
    }

    private static bool IsResNet(bool bottleneck, int[] blocks, Func<string, int[]?> shapeOf)
    {
        if (!Is(shapeOf("conv1.weight"), 64, 3, 7, 7)) return false;
        int channels = 64, expansion = bottleneck ? 4 : 1;
        for (int layer = 1; layer <= 4; layer++)
        {
            int planes = 64 << (layer - 1);
            for (int block = 0; block < blocks[layer - 1]; block++)
            {
                string prefix = $"layer{layer}.{block}";
                bool shape = bottleneck
                    ? Is(shapeOf($"{prefix}.conv1.weight"), planes, channels, 1, 1) && Is(shapeOf($"{prefix}.conv2.weight"), planes, planes, 3, 3) && Is(shapeOf($"{prefix}.conv3.weight"), planes * 4, planes, 1, 1)
                    : Is(shapeOf($"{prefix}.conv1.weight"), planes, channels, 3, 3) && Is(shapeOf($"{prefix}.conv2.weight"), planes, planes, 3, 3) && shapeOf($"{prefix}.conv3.weight") is null;
                bool needsProjection = block == 0 && (layer > 1 || channels != planes * expansion);
                if (!shape || (needsProjection ? !Is(shapeOf($"{prefix}.downsample.0.weight"), planes * expansion, channels, 1, 1) : shapeOf($"{prefix}.downsample.0.weight") is not null))
                    return false;
                channels = planes * expansion;
            }
            if (shapeOf($"layer{layer}.{blocks[layer - 1]}.conv1.weight") is not null) return false;
        }
        return true;
    }

    private static bool Is(int[]? shape, params int[] expected) => shape is not null && shape.AsSpan().SequenceEqual(expected);
}
