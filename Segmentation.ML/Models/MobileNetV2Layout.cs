using Segmentation.ML.Tensors;

namespace Segmentation.ML.Models;

/// <summary>
/// torchvision's MobileNetV2 (any width multiplier, channel counts read from the checkpoint) with BatchNorm
/// folded into the convolutions at load time. Taps are the outputs of <c>features.0</c> … <c>features.18</c>;
/// by default features 1, 3, 6, 13 and 17 (16 + 24 + 32 + 96 + 320 = 488 channels at width 1).
/// </summary>
internal static class MobileNetV2Layout
{
    /// <summary>The inverted-residual blocks (features 1 … 17) that halve the resolution.</summary>
    private static readonly HashSet<int> StridedBlocks = [2, 4, 7, 14];

    private static readonly string[] Defaults = ["features.1", "features.3", "features.6", "features.13", "features.17"];

    /// <summary>Reads MobileNetV2 from torchvision's keys (<c>features.0.0.weight</c> … <c>classifier.1.bias</c>).</summary>
    /// <exception cref="ModelLoadException">A key is missing or a shape does not chain; the message names it.</exception>
    public static BackboneLayout FromParameters(IReadOnlyDictionary<string, ParameterTensor> parameters)
    {
        var reader = new ParameterReader(parameters, "mobilenet_v2");
        var stages = new List<BackboneStage>();
        int channels = 3, stride = 1;
        void Add(int index, int stageStride, bool residual, params ConvolutionLayer[] convolutions)
        {
            stride *= stageStride;
            stages.Add(new BackboneStage(new BackboneTap($"features.{index}", convolutions[^1].OutChannels, stride), Pool: null, convolutions, residual ? ResidualConnection.Identity : null));
            channels = convolutions[^1].OutChannels;
        }

        var stem = reader.GetWithRank("features.0.0.weight", 4);
        if (stem.Shape[0] % 8 != 0 || stem.Shape[1] != 3 || stem.Shape[2] != 3 || stem.Shape[3] != 3)
        {
            throw new ModelLoadException($"'features.0.0.weight' has shape {stem.ShapeText}; mobilenet_v2 expects [32 × width, 3, 3, 3] with a multiple of 8 " +
                "output channels (torchvision's ImageNet model: [32, 3, 3, 3]). Is it a torchvision mobilenet_v2 state dict?");
        }
        Add(0, 2, false, Unit(reader, "features.0.0", "features.0.1", channels, 2, depthwise: false, ConvolutionActivation.Relu6));
        for (int i = 1; i <= 17; i++)
        {
            string p = $"features.{i}.conv";
            int blockStride = StridedBlocks.Contains(i) ? 2 : 1;
            ConvolutionLayer[] units;
            if (reader.Contains($"{p}.3.weight"))
            {
                var expand = Unit(reader, $"{p}.0.0", $"{p}.0.1", channels, 1, false, ConvolutionActivation.Relu6);
                var depthwise = Unit(reader, $"{p}.1.0", $"{p}.1.1", expand.OutChannels, blockStride, true, ConvolutionActivation.Relu6);
                units = [expand, depthwise, Unit(reader, $"{p}.2", $"{p}.3", depthwise.OutChannels, 1, false, ConvolutionActivation.None)];
            }
            else
            {
                var depthwise = Unit(reader, $"{p}.0.0", $"{p}.0.1", channels, blockStride, true, ConvolutionActivation.Relu6);
                units = [depthwise, Unit(reader, $"{p}.1", $"{p}.2", channels, 1, false, ConvolutionActivation.None)];
            }
            Add(i, blockStride, blockStride == 1 && units[^1].OutChannels == channels, units);
        }
        Add(18, 1, false, Unit(reader, "features.18.0", "features.18.1", channels, 1, false, ConvolutionActivation.Relu6));

        float[]? weight = null, bias = null;
        if (reader.Contains("classifier.1.weight"))
        {
            var w = reader.GetWithRank("classifier.1.weight", 2);
            reader.Get("classifier.1.weight", w.Shape[0], channels);
            weight = w.Values;
            bias = reader.Get("classifier.1.bias", w.Shape[0]).Values;
        }
        var unused = reader.Unused(_ => false);
        if (unused.Count > 0)
            throw new ModelLoadException($"The mobilenet_v2 checkpoint has {unused.Count} unexpected keys, first '{unused[0]}'.");
        var features = parameters.Where(p => p.Key.StartsWith("features.", StringComparison.Ordinal)).ToDictionary();
        return new BackboneLayout("mobilenet_v2", stages, Defaults, features, weight, bias);
    }

    /// <summary>MobileNetV2's parameters at width 1 with random weights and identity BatchNorm.</summary>
    public static Dictionary<string, ParameterTensor> RandomParameters(Random random)
    {
        var parameters = new Dictionary<string, ParameterTensor>();
        void Conv(string prefix, int outC, int inPerGroup, int k)
        {
            float scale = MathF.Sqrt(6f / (inPerGroup * k * k));
            parameters[$"{prefix}.weight"] = new ParameterTensor([outC, inPerGroup, k, k], RandomValues.Uniform(random, outC * inPerGroup * k * k, scale));
        }
        void Norm(string prefix, int c)
        {
            parameters[$"{prefix}.weight"] = new ParameterTensor([c], Enumerable.Repeat(1f, c).ToArray());
            parameters[$"{prefix}.bias"] = new ParameterTensor([c], RandomValues.Uniform(random, c, 0.1f));
            parameters[$"{prefix}.running_mean"] = new ParameterTensor([c], new float[c]);
            parameters[$"{prefix}.running_var"] = new ParameterTensor([c], Enumerable.Repeat(1f, c).ToArray());
        }
        Conv("features.0.0", 32, 3, 3);
        Norm("features.0.1", 32);
        int channels = 32, index = 1;
        foreach (var (t, c, n) in new[] { (1, 16, 1), (6, 24, 2), (6, 32, 3), (6, 64, 4), (6, 96, 3), (6, 160, 3), (6, 320, 1) })
            for (int r = 0; r < n; r++, index++)
            {
                string p = $"features.{index}.conv";
                int hidden = channels * t;
                if (t == 1)
                {
                    Conv($"{p}.0.0", hidden, 1, 3); Norm($"{p}.0.1", hidden);
                    Conv($"{p}.1", c, hidden, 1); Norm($"{p}.2", c);
                }
                else
                {
                    Conv($"{p}.0.0", hidden, channels, 1); Norm($"{p}.0.1", hidden);
                    Conv($"{p}.1.0", hidden, 1, 3); Norm($"{p}.1.1", hidden);
                    Conv($"{p}.2", c, hidden, 1); Norm($"{p}.3", c);
                }
                channels = c;
            }
        Conv("features.18.0", 1280, 320, 1);
        Norm("features.18.1", 1280);
        return parameters;
    }

    /// <summary>A convolution with its BatchNorm folded in (see <see cref="BatchNormFolding"/>); 3×3 when depthwise, else the checkpoint's kernel.</summary>
    private static ConvolutionLayer Unit(ParameterReader reader, string conv, string norm, int inChannels, int stride, bool depthwise, ConvolutionActivation activation) =>
        BatchNormFolding.Read(reader, conv, norm, inChannels, depthwise ? 3 : reader.GetWithRank($"{conv}.weight", 4).Shape[2], stride, depthwise, activation);
}
