using Onnx;
using Segmentation.ML.Models;

namespace Segmentation.ML.Onnx;

/// <summary>A tap's activation inside a graph: the value holding it, [N, Tap.Channels, ⌊H / Tap.Stride⌋-ish, …].</summary>
/// <param name="Tap">The tap (name, channels, stride).</param>
/// <param name="Value">The name of the graph value.</param>
internal sealed record BackboneTapValue(BackboneTap Tap, string Value);

/// <summary>
/// Writes a backbone (<see cref="BackboneLayout"/>: VGG's Conv + Relu and 2×2 max-pools, MobileNetV2's
/// BatchNorm-folded convolutions with ReLU6 as Clip(0, 6) and residual Adds, ResNet's stem, 3×3 max-pool and
/// blocks with identity or projected shortcuts and a Relu after the sum) as ONNX nodes; a <see cref="CombinedLayout"/>
/// as each of its networks on its own normalisation of the same input.
/// </summary>
internal static class BackboneGraph
{
    /// <summary>The input of <see cref="Standalone"/>: float [N, 3, H, W], normalised as the backbone expects (<see cref="BackboneLayout.Normalization"/>).</summary>
    public const string ImageInput = "image";

    /// <summary>
    /// Appends the backbone to <paramref name="builder"/>, reading <paramref name="input"/> (float [N, 3, H, W],
    /// normalised as the layout expects; N, H and W may be symbolic) and stopping at the last requested tap.
    /// </summary>
    /// <param name="taps">Tap names, in any order, at least one.</param>
    /// <returns>The requested taps' values in network order, with their channels and strides.</returns>
    /// <exception cref="ArgumentException">No tap, or a tap the backbone does not have (the message lists the valid ones).</exception>
    public static IReadOnlyList<BackboneTapValue> Append(OnnxGraphBuilder builder, BackboneNetwork network, string input, IReadOnlyList<string> taps)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return network switch
        {
            BackboneLayout layout => AppendLayout(builder, layout, input, taps),
            CombinedLayout combined => AppendCombined(builder, combined, input, taps),
            _ => throw new ArgumentException($"No graph form for the network '{network?.Architecture}'.", nameof(network)),
        };
    }

    /// <summary>
    /// Each network with a requested tap, on its own normalisation of <paramref name="input"/> (0…255 RGB planes),
    /// as far as its last requested tap; the values come back in the combined order under the combined names.
    /// </summary>
    private static IReadOnlyList<BackboneTapValue> AppendCombined(OnnxGraphBuilder builder, CombinedLayout combined, string input, IReadOnlyList<string> taps)
    {
        if (taps.Count == 0) throw new ArgumentException("At least one tap must be requested.", nameof(taps));
        var wanted = taps.Select(combined.IndexOf).Distinct().Order().ToList();
        var values = new List<BackboneTapValue>();
        foreach (var group in wanted.GroupBy(i => combined.Resolve(combined.Taps[i].Name).Part))
        {
            var part = combined.Parts[group.Key];
            string normalised = OnnxInputNormalization.Append(builder, part.Normalization, input);
            var partValues = AppendLayout(builder, part, normalised, group.Select(i => combined.Resolve(combined.Taps[i].Name).Tap).ToList());
            values.AddRange(group.Zip(partValues, (i, value) => new BackboneTapValue(combined.Taps[i], value.Value)));
        }
        return values;
    }

    private static IReadOnlyList<BackboneTapValue> AppendLayout(OnnxGraphBuilder builder, BackboneLayout layout, string input, IReadOnlyList<string> taps)
    {
        var stages = taps.Select(layout.StageOf).Distinct().Order().ToArray();
        if (stages.Length == 0) throw new ArgumentException("At least one tap must be requested.", nameof(taps));

        var values = new List<BackboneTapValue>();
        string current = input;
        for (int i = 0; i <= stages[^1]; i++)
        {
            var stage = layout.Stages[i];
            if (stage.Pool is { } pool)
                current = builder.Op("MaxPool", [current], ("kernel_shape", new[] { pool.Kernel, pool.Kernel }), ("strides", new[] { pool.Stride, pool.Stride }),
                    ("pads", new[] { pool.Padding, pool.Padding, pool.Padding, pool.Padding }));
            string stageInput = current;
            for (int j = 0; j < stage.Convolutions.Count; j++)
                current = AppendConvolution(builder, stage.Convolutions[j], stage.Convolutions.Count == 1 ? stage.Tap.Name : $"{stage.Tap.Name}.{j}", current);
            if (stage.Residual is { } residual)
            {
                string shortcut = residual.Projection is { } projection ? AppendConvolution(builder, projection, $"{stage.Tap.Name}.shortcut", stageInput) : stageInput;
                current = Activate(builder, builder.Op("Add", [current, shortcut]), residual.Activation);
            }
            if (stages.Contains(i)) values.Add(new BackboneTapValue(stage.Tap, current));
        }
        return values;
    }

    /// <summary>
    /// A graph of the backbone alone: input <see cref="ImageInput"/> [N, 3, H, W] (symbolic N, H, W), one output
    /// per requested tap. The outputs keep the values' own names (returned here), so no Identity copies them.
    /// </summary>
    /// <exception cref="ArgumentException">No tap, or an unknown one.</exception>
    public static (byte[] Model, IReadOnlyList<BackboneTapValue> Outputs) Standalone(BackboneNetwork layout, IReadOnlyList<string> taps)
    {
        var builder = new OnnxGraphBuilder($"{layout.Architecture} backbone");
        string image = builder.AddInput(ImageInput, "N", 3, "H", "W");
        var outputs = Append(builder, layout, image, taps);
        foreach (var output in outputs)
            builder.AddOutput(output.Value, output.Value, TensorProto.Types.DataType.Float, "N", output.Tap.Channels, $"{output.Tap.Name}.height", $"{output.Tap.Name}.width");
        builder.SetMetadata("architecture", layout.Architecture);
        builder.SetMetadata("taps", string.Join(",", outputs.Select(o => o.Tap.Name)));
        return (builder.ToBytes(), outputs);
    }

    private static string AppendConvolution(OnnxGraphBuilder builder, ConvolutionLayer convolution, string prefix, string input)
    {
        long perGroup = convolution.InChannels / convolution.Groups;
        string weights = builder.Constant($"{prefix}.weight", convolution.Weights, convolution.OutChannels, perGroup, convolution.Kernel, convolution.Kernel);
        string bias = builder.Constant($"{prefix}.bias", convolution.Bias, convolution.OutChannels);
        return Activate(builder, builder.Conv(input, weights, bias, convolution.Kernel, convolution.Stride, convolution.Padding, convolution.Groups), convolution.Activation);
    }

    private static string Activate(OnnxGraphBuilder builder, string value, ConvolutionActivation activation) => activation switch
    {
        ConvolutionActivation.Relu => builder.Op("Relu", [value]),
        ConvolutionActivation.Relu6 => builder.Clip(value, 0f, 6f),
        _ => value,
    };
}
