using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Segmentation.ML.Tensors;
using Segmentation.ML.Tensors.Kernels;

namespace Segmentation.ML.Models;

/// <summary>
/// torchvision's MobileNetV2 (any width multiplier, channel counts read from the checkpoint) with
/// BatchNorm folded into the convolutions at load time and ReLU6 fused. Taps are the outputs of
/// <c>features.0</c> … <c>features.18</c>; by default features 1, 3, 6, 13 and 17 (16 + 24 + 32 + 96 + 320 = 488 channels at width 1).
/// </summary>
public sealed class MobileNetV2 : Backbone
{
    private const float BatchNormEpsilon = 1e-5f;

    /// <summary>The inverted-residual blocks (features 1 … 17) that halve the resolution.</summary>
    private static readonly HashSet<int> StridedBlocks = [2, 4, 7, 14];

    private static readonly string[] Defaults = ["features.1", "features.3", "features.6", "features.13", "features.17"];

    private readonly List<Stage> stages;
    private readonly List<BackboneTap> taps;
    private readonly float[]? classifierWeight;
    private readonly float[]? classifierBias;

    private MobileNetV2(List<Stage> stages, float[]? classifierWeight, float[]? classifierBias)
    {
        this.stages = stages;
        this.classifierWeight = classifierWeight;
        this.classifierBias = classifierBias;
        taps = [];
        int stride = 1;
        for (int i = 0; i < stages.Count; i++)
        {
            stride *= stages[i].Stride;
            taps.Add(new BackboneTap($"features.{i}", stages[i].OutChannels, stride));
        }
    }

    /// <inheritdoc />
    public override string Architecture => "mobilenet_v2";

    /// <inheritdoc />
    public override IReadOnlyList<BackboneTap> AvailableTaps => taps;

    /// <inheritdoc />
    public override IReadOnlyList<string> DefaultTaps => Defaults;

    /// <summary>Classes of the ImageNet classifier head, or 0 when the checkpoint has none.</summary>
    public int ClassCount => classifierBias?.Length ?? 0;

    /// <inheritdoc />
    public override long MultiplyAdds(int height, int width)
    {
        long total = 0;
        foreach (var stage in stages.Take(18))
            foreach (var unit in stage.Units)
            {
                var shape = unit.ShapeFor(height, width);
                total += shape.MultiplyAdds;
                height = shape.OutHeight;
                width = shape.OutWidth;
            }
        return total;
    }

    /// <summary>Builds MobileNetV2 from torchvision's keys (<c>features.0.0.weight</c> … <c>classifier.1.bias</c>).</summary>
    /// <exception cref="ModelLoadException">A key is missing or a shape does not chain; the message names it.</exception>
    public static new MobileNetV2 FromParameters(IReadOnlyDictionary<string, ParameterTensor> parameters)
    {
        var reader = new ParameterReader(parameters, "mobilenet_v2");
        var stages = new List<Stage>
        {
            new(2, false, [Unit(reader, "features.0.0", "features.0.1", 3, stride: 2, depthwise: false, FusedActivation.Relu6)]),
        };
        int channels = stages[0].OutChannels;
        for (int i = 1; i <= 17; i++)
        {
            string p = $"features.{i}.conv";
            int stride = StridedBlocks.Contains(i) ? 2 : 1;
            var units = new List<ConvUnit>();
            if (reader.Contains($"{p}.3.weight"))
            {
                units.Add(Unit(reader, $"{p}.0.0", $"{p}.0.1", channels, 1, false, FusedActivation.Relu6));
                units.Add(Unit(reader, $"{p}.1.0", $"{p}.1.1", units[0].OutChannels, stride, true, FusedActivation.Relu6));
                units.Add(Unit(reader, $"{p}.2", $"{p}.3", units[1].OutChannels, 1, false, FusedActivation.None));
            }
            else
            {
                units.Add(Unit(reader, $"{p}.0.0", $"{p}.0.1", channels, stride, true, FusedActivation.Relu6));
                units.Add(Unit(reader, $"{p}.1", $"{p}.2", channels, 1, false, FusedActivation.None));
            }
            int outChannels = units[^1].OutChannels;
            stages.Add(new Stage(stride, stride == 1 && outChannels == channels, units));
            channels = outChannels;
        }
        stages.Add(new Stage(1, false, [Unit(reader, "features.18.0", "features.18.1", channels, 1, false, FusedActivation.Relu6)]));

        float[]? weight = null, bias = null;
        if (reader.Contains("classifier.1.weight"))
        {
            int features = stages[^1].OutChannels;
            var w = reader.GetWithRank("classifier.1.weight", 2);
            reader.Get("classifier.1.weight", w.Shape[0], features);
            weight = w.Values;
            bias = reader.Get("classifier.1.bias", w.Shape[0]).Values;
        }
        var unused = reader.Unused(_ => false);
        if (unused.Count > 0)
            throw new ModelLoadException($"The mobilenet_v2 checkpoint has {unused.Count} unexpected keys, first '{unused[0]}'.");
        return new MobileNetV2(stages, weight, bias);
    }

    /// <summary>Runs the network and the classifier head: ImageNet logits for one normalised image.</summary>
    /// <exception cref="InvalidOperationException">The checkpoint had no classifier.</exception>
    public float[] Classify(ReadOnlySpan<float> image, int height, int width, CancellationToken cancellation = default)
    {
        if (classifierWeight is null || classifierBias is null)
            throw new InvalidOperationException("This MobileNetV2 was loaded without a classifier ('classifier.1.*').");
        using var features = Forward(image, height, width, ["features.18"], cancellation);
        var map = features["features.18"];
        int channels = map.Dim(0), pixels = map.Dim(1) * map.Dim(2);
        var pooled = new float[channels];
        for (int c = 0; c < channels; c++) pooled[c] = TensorPrimitives.Sum(map.Span.Slice(c * pixels, pixels)) / pixels;
        var logits = new float[classifierBias.Length];
        Linear.Forward(classifierWeight, classifierBias, pooled, logits, channels, logits.Length, 1);
        return logits;
    }

    /// <summary>MobileNetV2 at width 1 with random weights and identity BatchNorm, for benchmarks.</summary>
    internal static MobileNetV2 CreateRandom(Random random)
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
        return (MobileNetV2)Backbone.FromParameters(parameters);
    }

    private static ConvUnit Unit(ParameterReader reader, string conv, string norm, int inChannels, int stride, bool depthwise, FusedActivation activation)
    {
        var weight = reader.GetWithRank($"{conv}.weight", 4);
        int outChannels = weight.Shape[0], k = weight.Shape[2];
        if (depthwise) reader.Get($"{conv}.weight", inChannels, 1, 3, 3);
        else reader.Get($"{conv}.weight", outChannels, inChannels, k, k);
        var gamma = reader.Get($"{norm}.weight", outChannels).Values;
        var beta = reader.Get($"{norm}.bias", outChannels).Values;
        var mean = reader.Get($"{norm}.running_mean", outChannels).Values;
        var variance = reader.Get($"{norm}.running_var", outChannels).Values;

        int perChannel = weight.Values.Length / outChannels;
        var folded = new float[weight.Values.Length];
        var bias = new float[outChannels];
        for (int o = 0; o < outChannels; o++)
        {
            double scale = gamma[o] / Math.Sqrt(variance[o] + (double)BatchNormEpsilon);
            for (int j = 0; j < perChannel; j++) folded[o * perChannel + j] = (float)(weight.Values[o * perChannel + j] * scale);
            bias[o] = (float)(beta[o] - mean[o] * scale);
        }
        return new ConvUnit(inChannels, outChannels, k, stride, depthwise, folded, bias, activation);
    }

    private protected override void Run(ReadOnlySpan<float> image, int height, int width, HashSet<string> wanted, BackboneFeatures features, CancellationToken cancellation)
    {
        int last = taps.FindLastIndex(t => wanted.Contains(t.Name));
        Tensor current = Tensor.FromValues(image, 3, height, width);
        bool owned = true;
        try
        {
            for (int i = 0; i <= last; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                var next = stages[i].Run(current);
                if (owned) current.Dispose();
                (current, owned) = (next, true);
                if (wanted.Contains(taps[i].Name))
                {
                    features.Add(taps[i], current);
                    owned = false;
                }
            }
        }
        finally
        {
            if (owned) current.Dispose();
        }
    }

    private sealed record Stage(int Stride, bool Residual, List<ConvUnit> Units)
    {
        public int OutChannels => Units[^1].OutChannels;

        public Tensor Run(Tensor input)
        {
            Tensor current = input;
            foreach (var unit in Units)
            {
                var next = unit.Run(current);
                if (!ReferenceEquals(current, input)) current.Dispose();
                current = next;
            }
            if (Residual) TensorPrimitives.Add(current.Span, input.Span, current.Span);
            return current;
        }
    }

    private sealed class ConvUnit(int inChannels, int outChannels, int kernel, int stride, bool depthwise, float[] weights, float[] bias, FusedActivation activation)
    {
        private PackedMatrixA? packed;

        public int OutChannels => outChannels;

        public Conv2dShape ShapeFor(int height, int width) =>
            new(1, inChannels, height, width, outChannels, kernel, stride, kernel / 2, depthwise ? inChannels : 1);

        public Tensor Run(Tensor input)
        {
            var shape = ShapeFor(input.Dim(1), input.Dim(2));
            var output = Tensor.Uninitialized([outChannels, shape.OutHeight, shape.OutWidth]);
            if (depthwise)
            {
                ConvolutionKernels.Depthwise(shape, input.Span, weights, bias, activation, output.Span);
            }
            else
            {
                var filters = PackedMatrixA.Cached(ref packed, weights, outChannels, inChannels * kernel * kernel);
                ConvolutionKernels.Conv2d(shape, input.Span, filters, bias, activation, output.Span);
            }
            return output;
        }
    }
}
