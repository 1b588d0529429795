using Segmentation.ML.Tensors;

namespace Segmentation.ML.Models;

/// <summary>
/// torchvision's ResNets (resnet18, resnet34 with basic blocks; resnet50, resnet101, resnet152 with bottlenecks;
/// channel counts read from the checkpoint) with BatchNorm folded into the convolutions at load time. The stride of
/// a block sits in its 3×3 convolution and a block that changes the shape adds its input through
/// <c>downsample</c> (a strided 1×1 convolution and BatchNorm), as torchvision builds them.
/// Taps are named after torchvision's modules: <c>relu</c> (the stem, stride 2), <c>maxpool</c> (stride 4), each block
/// <c>layerL.B</c>, and <c>layerL</c> for the last block of layer L (its output is the layer's); by default
/// relu, layer1, layer2, layer3, layer4 (64 + 64 + 128 + 256 + 512 = 1024 channels for resnet18; 64 + 256 + 512 +
/// 1024 + 2048 = 3904 for resnet50).
/// </summary>
internal static class ResNetLayout
{
    /// <summary>torchvision's configurations: name, bottleneck blocks or basic ones, blocks per layer.</summary>
    internal static readonly IReadOnlyList<(string Name, bool Bottleneck, int[] Blocks)> Configurations =
    [
        ("resnet18", false, [2, 2, 2, 2]),
        ("resnet34", false, [3, 4, 6, 3]),
        ("resnet50", true, [3, 4, 6, 3]),
        ("resnet101", true, [3, 4, 23, 3]),
        ("resnet152", true, [3, 8, 36, 3]),
    ];

    private static readonly string[] Defaults = ["relu", "layer1", "layer2", "layer3", "layer4"];

    /// <summary>
    /// Reads a ResNet from torchvision's keys (<c>conv1.weight</c>, <c>bn1.*</c>, <c>layer1.0.conv1.weight</c> …
    /// <c>layer4.1.bn2.*</c>, <c>layerL.0.downsample.0/1.*</c>); <c>fc.*</c> keys are ignored.
    /// </summary>
    /// <param name="architecture">The name to give a network whose block counts are not torchvision's (ML.NET's
    /// ResNet-18 has three blocks in layer4); null to require one of torchvision's configurations and take its name.</param>
    /// <param name="normalization">What the weights expect of the pixels; torchvision's ImageNet mean/std when null.</param>
    /// <exception cref="ModelLoadException">The block counts match no torchvision ResNet, a key is missing or unexpected, or a shape does not chain; the message names it.</exception>
    public static BackboneLayout FromParameters(IReadOnlyDictionary<string, ParameterTensor> parameters, string? architecture = null, InputNormalization? normalization = null)
    {
        bool bottleneck = parameters.ContainsKey("layer1.0.conv3.weight");
        var blocks = Enumerable.Range(1, 4).Select(layer => CountBlocks(parameters, layer)).ToArray();
        var configuration = architecture is null
            ? Configurations.FirstOrDefault(c => c.Bottleneck == bottleneck && c.Blocks.SequenceEqual(blocks))
            : (Name: architecture, Bottleneck: bottleneck, Blocks: blocks);
        if (configuration.Name is null || blocks.Contains(0))
            throw new ModelLoadException($"The ResNet checkpoint has {string.Join(", ", blocks)} {(bottleneck ? "bottleneck" : "basic")} blocks in layer1 … layer4; " +
                $"torchvision's ResNets have {string.Join("; ", Configurations.Select(c => $"{c.Name}: {string.Join(", ", c.Blocks)} {(c.Bottleneck ? "bottleneck" : "basic")}"))}.");

        var reader = new ParameterReader(parameters, configuration.Name);
        var stages = new List<BackboneStage>();
        var stem = BatchNormFolding.Read(reader, "conv1", "bn1", 3, 7, 2, false, ConvolutionActivation.Relu);
        stages.Add(new BackboneStage(new BackboneTap("relu", stem.OutChannels, 2), null, [stem], null));
        stages.Add(new BackboneStage(new BackboneTap("maxpool", stem.OutChannels, 4), new MaxPoolLayer(3, 2, 1), [], null));
        int channels = stem.OutChannels, stride = 4;
        for (int layer = 1; layer <= 4; layer++)
            for (int block = 0; block < blocks[layer - 1]; block++)
            {
                string prefix = $"layer{layer}.{block}";
                int blockStride = layer > 1 && block == 0 ? 2 : 1;
                ConvolutionLayer[] convolutions;
                if (bottleneck)
                {
                    var reduce = BatchNormFolding.Read(reader, $"{prefix}.conv1", $"{prefix}.bn1", channels, 1, 1, false, ConvolutionActivation.Relu);
                    var spatial = BatchNormFolding.Read(reader, $"{prefix}.conv2", $"{prefix}.bn2", reduce.OutChannels, 3, blockStride, false, ConvolutionActivation.Relu);
                    convolutions = [reduce, spatial, BatchNormFolding.Read(reader, $"{prefix}.conv3", $"{prefix}.bn3", spatial.OutChannels, 1, 1, false, ConvolutionActivation.None)];
                }
                else
                {
                    var first = BatchNormFolding.Read(reader, $"{prefix}.conv1", $"{prefix}.bn1", channels, 3, blockStride, false, ConvolutionActivation.Relu);
                    convolutions = [first, BatchNormFolding.Read(reader, $"{prefix}.conv2", $"{prefix}.bn2", first.OutChannels, 3, 1, false, ConvolutionActivation.None)];
                }
                int outChannels = convolutions[^1].OutChannels;
                ConvolutionLayer? projection = null;
                if (reader.Contains($"{prefix}.downsample.0.weight"))
                {
                    projection = BatchNormFolding.Read(reader, $"{prefix}.downsample.0", $"{prefix}.downsample.1", channels, 1, blockStride, false, ConvolutionActivation.None);
                    if (projection.OutChannels != outChannels)
                        throw new ModelLoadException($"'{prefix}.downsample.0.weight' has {projection.OutChannels} output channels; the block's last convolution has {outChannels}.");
                }
                else if (blockStride != 1 || outChannels != channels)
                {
                    throw new ModelLoadException($"'{prefix}' turns {channels} channels at stride {stride} into {outChannels} at stride {stride * blockStride} but has no '{prefix}.downsample.0.weight' to bring its input along.");
                }
                stride *= blockStride;
                string tap = block == blocks[layer - 1] - 1 ? $"layer{layer}" : prefix;
                stages.Add(new BackboneStage(new BackboneTap(tap, outChannels, stride), null, convolutions, new ResidualConnection(projection, ConvolutionActivation.Relu)));
                channels = outChannels;
            }

        var unused = reader.Unused(key => key.StartsWith("fc.", StringComparison.Ordinal));
        if (unused.Count > 0)
            throw new ModelLoadException($"The {configuration.Name} checkpoint has {unused.Count} unexpected keys, first '{unused[0]}'.");
        var features = parameters.Where(p => !p.Key.StartsWith("fc.", StringComparison.Ordinal)).ToDictionary();
        return new BackboneLayout(configuration.Name, stages, Defaults, features, normalization: normalization);
    }

    /// <summary>Blocks per layer (layer1 … layer4) of a layout this class built.</summary>
    public static int[] BlockCounts(BackboneLayout layout)
    {
        var counts = new int[4];
        foreach (var tap in layout.Taps)
            if (tap.Name.StartsWith("layer", StringComparison.Ordinal)) counts[tap.Name[5] - '1']++;
        return counts;
    }

    /// <summary>True when the keys look like a torchvision ResNet (its stem and first block).</summary>
    public static bool IsResNet(IReadOnlyDictionary<string, ParameterTensor> parameters) =>
        parameters.ContainsKey("conv1.weight") && parameters.ContainsKey("layer1.0.conv1.weight");

    /// <summary>torchvision's shapes of a ResNet with random weights (He-style) and identity-like BatchNorm.</summary>
    /// <exception cref="ArgumentException">Not one of torchvision's ResNet names.</exception>
    public static Dictionary<string, ParameterTensor> RandomParameters(string architecture, Random random)
    {
        var configuration = Configurations.FirstOrDefault(c => c.Name == architecture);
        if (configuration.Name is null) throw new ArgumentException($"Unknown ResNet '{architecture}'; use {string.Join(", ", Configurations.Select(c => c.Name))}.", nameof(architecture));
        var parameters = new Dictionary<string, ParameterTensor>();
        void Conv(string key, int outChannels, int inChannels, int kernel)
        {
            float scale = MathF.Sqrt(6f / (inChannels * kernel * kernel));
            parameters[$"{key}.weight"] = new ParameterTensor([outChannels, inChannels, kernel, kernel], RandomValues.Uniform(random, outChannels * inChannels * kernel * kernel, scale));
        }
        void Norm(string key, int c, float gamma = 1f)
        {
            parameters[$"{key}.weight"] = new ParameterTensor([c], Enumerable.Repeat(gamma, c).ToArray());
            parameters[$"{key}.bias"] = new ParameterTensor([c], RandomValues.Uniform(random, c, 0.1f));
            parameters[$"{key}.running_mean"] = new ParameterTensor([c], new float[c]);
            parameters[$"{key}.running_var"] = new ParameterTensor([c], Enumerable.Repeat(1f, c).ToArray());
        }
        Conv("conv1", 64, 3, 7);
        Norm("bn1", 64);
        int channels = 64, expansion = configuration.Bottleneck ? 4 : 1;
        for (int layer = 1; layer <= 4; layer++)
        {
            int planes = 64 << (layer - 1);
            for (int block = 0; block < configuration.Blocks[layer - 1]; block++)
            {
                string prefix = $"layer{layer}.{block}";
                // The residual branch's last BatchNorm scaled down, so the sums of many blocks stay in range.
                if (configuration.Bottleneck)
                {
                    Conv($"{prefix}.conv1", planes, channels, 1); Norm($"{prefix}.bn1", planes);
                    Conv($"{prefix}.conv2", planes, planes, 3); Norm($"{prefix}.bn2", planes);
                    Conv($"{prefix}.conv3", planes * expansion, planes, 1); Norm($"{prefix}.bn3", planes * expansion, 0.2f);
                }
                else
                {
                    Conv($"{prefix}.conv1", planes, channels, 3); Norm($"{prefix}.bn1", planes);
                    Conv($"{prefix}.conv2", planes, planes, 3); Norm($"{prefix}.bn2", planes, 0.2f);
                }
                if (block == 0 && (layer > 1 || channels != planes * expansion))
                {
                    Conv($"{prefix}.downsample.0", planes * expansion, channels, 1);
                    Norm($"{prefix}.downsample.1", planes * expansion);
                }
                channels = planes * expansion;
            }
        }
        return parameters;
    }

    private static int CountBlocks(IReadOnlyDictionary<string, ParameterTensor> parameters, int layer)
    {
        int count = 0;
        while (parameters.ContainsKey($"layer{layer}.{count}.conv1.weight")) count++;
        return count;
    }
}
