using Segmentation.ML.Tensors;

namespace Segmentation.ML.Models;

/// <summary>
/// VGG's convolutional part in torchvision's <c>features.N</c> layout (VGG11, VGG13, VGG16, VGG19; no
/// BatchNorm variants): 3×3 convolutions with ReLU, 2×2 max-pools between blocks. Taps are the ReLU
/// outputs (<c>features.{conv index + 1}</c>); by default the five before each max-pool
/// (VGG16: 64 + 128 + 256 + 512 + 512 = 1472 channels).
/// </summary>
internal static class VggLayout
{
    /// <summary>torchvision's configurations: output channels, 0 for a max-pool.</summary>
    internal static readonly IReadOnlyDictionary<string, int[]> Configurations = new Dictionary<string, int[]>
    {
        ["vgg11"] = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        ["vgg16"] = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
    };

    /// <summary>Reads VGG from torchvision's <c>features.N.weight/bias</c> keys; <c>classifier.*</c> keys are ignored.</summary>
    /// <exception cref="ModelLoadException">A key is missing, a shape does not chain, or the checkpoint is a BatchNorm variant.</exception>
    public static BackboneLayout FromParameters(IReadOnlyDictionary<string, ParameterTensor> parameters)
    {
        if (parameters.ContainsKey("features.1.running_mean"))
            throw new ModelLoadException("The checkpoint is a VGG with BatchNorm (vgg*_bn); only the plain torchvision VGGs are supported.");
        var convIndices = parameters.Keys
            .Select(k => k.Split('.'))
            .Where(p => p.Length == 3 && p[0] == "features" && p[2] == "weight" && int.TryParse(p[1], out _))
            .Select(p => int.Parse(p[1]))
            .Order()
            .ToList();
        if (convIndices.Count == 0 || convIndices[0] != 0)
            throw new ModelLoadException("A VGG checkpoint needs 'features.0.weight' and the following 'features.N.weight' convolutions.");
        string architecture = $"vgg{convIndices.Count + 3}";
        var reader = new ParameterReader(parameters, architecture);
        var stages = new List<BackboneStage>();
        var defaults = new List<string>();
        int channels = 3, stride = 1;
        bool poolFirst = false;
        for (int i = 0; i < convIndices.Count; i++)
        {
            int index = convIndices[i];
            var weight = reader.GetWithRank($"features.{index}.weight", 4);
            int outChannels = weight.Shape[0];
            reader.Get($"features.{index}.weight", outChannels, channels, 3, 3);
            var bias = reader.GetPerChannel($"features.{index}.bias", $"features.{index}.weight", weight);
            var convolution = new ConvolutionLayer(channels, outChannels, 3, 1, 1, weight.Values, bias.Values, ConvolutionActivation.Relu);
            string tap = $"features.{index + 1}";
            stages.Add(new BackboneStage(new BackboneTap(tap, outChannels, stride), poolFirst ? MaxPoolLayer.TwoByTwo : null, [convolution], Residual: null));
            channels = outChannels;

            int gap = i + 1 < convIndices.Count ? convIndices[i + 1] - index : 3;
            poolFirst = gap == 3;
            if (poolFirst)
            {
                defaults.Add(tap);
                stride *= 2;
            }
            else if (gap != 2)
            {
                throw new ModelLoadException($"After 'features.{index}' the next convolution is 'features.{convIndices[i + 1]}'; torchvision's VGG places it 2 (same block) or 3 (after a max-pool) further.");
            }
        }
        var features = parameters.Where(p => p.Key.StartsWith("features.", StringComparison.Ordinal)).ToDictionary();
        return new BackboneLayout(architecture, stages, defaults, features);
    }

    /// <summary>A VGG's parameters with torchvision's shapes and random weights (He initialisation).</summary>
    public static Dictionary<string, ParameterTensor> RandomParameters(string architecture, Random random)
    {
        var parameters = new Dictionary<string, ParameterTensor>();
        int index = 0, channels = 3;
        foreach (int outChannels in Configurations[architecture])
        {
            if (outChannels == 0)
            {
                index += 1;
                continue;
            }
            float scale = MathF.Sqrt(6f / (channels * 9));
            parameters[$"features.{index}.weight"] = new ParameterTensor([outChannels, channels, 3, 3], RandomValues.Uniform(random, outChannels * channels * 9, scale));
            parameters[$"features.{index}.bias"] = new ParameterTensor([outChannels], RandomValues.Uniform(random, outChannels, 0.1f));
            channels = outChannels;
            index += 2;
        }
        return parameters;
    }
}
