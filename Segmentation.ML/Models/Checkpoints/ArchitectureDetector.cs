namespace Segmentation.ML.Models.Checkpoints;

/// <summary>Recognises torchvision's VGG11, VGG16 and MobileNetV2 (width 1.0) state dicts from their keys and shapes.</summary>
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
        var featureKeys = keys.Where(k => k.StartsWith("features.", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        if (IsVgg(Vgg16, shapeOf, featureKeys)) return "vgg16";
        if (IsVgg(Vgg11, shapeOf, featureKeys)) return "vgg11";
        return null;
    }

    /// <summary>
    /// Why a state dict cannot be a supported backbone, or null when it has the first convolution of one as a
    /// floating-point tensor (<c>features.0.weight</c> for VGG, <c>features.18.0.weight</c> for MobileNetV2).
    /// </summary>
    public static string? WhyNoBackbone(StateDict stateDict) =>
        new[] { "features.0.weight", "features.18.0.weight" }.Any(key => stateDict.TryGetValue(key, out var tensor) && tensor.DType.IsFloatingPoint())
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
        else if (all.Contains("conv1.weight") && all.Any(k => k.StartsWith("layer1.", StringComparison.Ordinal)))
            hint = " These are ResNet keys (conv1, layer1, …); ResNets are not supported: use VGG11, VGG16 or MobileNetV2 weights (segml weights fetch).";
        return $"The checkpoint matches no supported backbone (vgg11, vgg16, mobilenet_v2 in torchvision's layout); {found}.{hint}";
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

    private static bool Is(int[]? shape, params int[] expected) => shape is not null && shape.AsSpan().SequenceEqual(expected);
}
