using Segmentation.ML.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Segmentation.ML.Hypercolumns;

/// <summary>
/// The head run densely on one image's hypercolumns, as 1×1 convolutions, with the first layer
/// factorised: W·concat(up(F₁), …, up(Fₙ)) = Σ up(W_l·F_l), so each tap is projected at its own
/// resolution before upsampling (forward), and gradients flow back through the adjoint of upsampling.
/// </summary>
internal static class DenseHead
{
    /// <summary>Class scores [C, OutputHeight·OutputWidth] (no dropout).</summary>
    public static float[] Logits(HypercolumnHead head, HypercolumnMaps maps) => Forward(head, maps, 0f, null, keepTrace: false).Logits;

    /// <summary>
    /// Class scores [C, H, W] at the image's resolution; averaged with the mirrored image's scores (flipped
    /// back) when the maps carry <see cref="HypercolumnMaps.Mirrored"/>.
    /// </summary>
    public static Tensor Scores(HypercolumnHead head, HypercolumnMaps maps)
    {
        var logits = Logits(head, maps);
        if (maps.Mirrored is HypercolumnMaps mirrored)
        {
            var other = Logits(head, mirrored);
            int width = maps.OutputWidth;
            for (int row = 0; row < other.Length / width; row++)
            {
                var flipped = other.AsSpan(row * width, width);
                flipped.Reverse();
                var target = logits.AsSpan(row * width, width);
                TensorPrimitives.Add(target, flipped, target);
                TensorPrimitives.Multiply(target, 0.5f, target);
            }
        }
        var scores = Tensor.Uninitialized([head.Classes, maps.ImageHeight, maps.ImageWidth]);
        Resize.Bilinear(logits, head.Classes, maps.OutputHeight, maps.OutputWidth, scores.Span, maps.ImageHeight, maps.ImageWidth);
        return scores;
    }

    /// <summary>The label map (arg-max of <see cref="Scores"/>) of one image's hypercolumns.</summary>
    public static Imaging.LabelMap Predict(HypercolumnHead head, HypercolumnMaps maps)
    {
        using var scores = Scores(head, maps);
        var labels = new byte[maps.ImageHeight * maps.ImageWidth];
        ChannelOps.Argmax(scores.Span, head.Classes, labels);
        return new Imaging.LabelMap(maps.ImageWidth, maps.ImageHeight, labels);
    }

    /// <summary>
    /// One image's forward and backward pass with softmax cross-entropy against <paramref name="labels"/>
    /// (values ≥ C are ignored), which are either at the output grid (OutputHeight × OutputWidth) or at the
    /// image's resolution: then the scores are upsampled bilinearly to the image, as at inference, and the
    /// gradient flows back through the upsampling's adjoint. Gradients are in the parameters' own
    /// (normalised-input) space; returns the mean loss over labelled pixels.
    /// </summary>
    public static double Gradient(HypercolumnHead head, HypercolumnMaps maps, ReadOnlySpan<byte> labels, float dropout, Random random,
        float[]? classWeights, out float[][] weightGradients, out float[][] biasGradients)
    {
        var pass = Forward(head, maps, dropout, random, keepTrace: true);
        int cells = maps.OutputHeight * maps.OutputWidth, layers = head.LayerCount, classes = head.Classes;
        var upstream = new float[pass.Logits.Length];
        double loss;
        if (labels.Length == cells)
        {
            loss = HypercolumnHead.CrossEntropy(pass.Logits, classes, labels, classWeights, upstream);
        }
        else if (labels.Length == maps.ImageHeight * maps.ImageWidth)
        {
            var scores = new float[classes * labels.Length];
            Resize.Bilinear(pass.Logits, classes, maps.OutputHeight, maps.OutputWidth, scores, maps.ImageHeight, maps.ImageWidth);
            var scoreGradient = new float[scores.Length];
            loss = HypercolumnHead.CrossEntropy(scores, classes, labels, classWeights, scoreGradient);
            Resize.BilinearBackward(scoreGradient, classes, maps.ImageHeight, maps.ImageWidth, upstream, maps.OutputHeight, maps.OutputWidth);
        }
        else
        {
            throw new TensorShapeException($"Labels must cover the {maps.OutputHeight}×{maps.OutputWidth} output grid or the {maps.ImageHeight}×{maps.ImageWidth} image; got {labels.Length} values.", nameof(labels));
        }

        weightGradients = new float[layers][];
        biasGradients = new float[layers][];
        upstream = head.BackwardToLayer(1, pass.Trace, upstream, cells, weightGradients, biasGradients);

        int z = head.InputSize, hidden = head.Sizes[1];
        var folded = new float[hidden * z];
        var projections = pass.Sources.Select(t => GC.AllocateUninitializedArray<float>(hidden * t.Height * t.Width)).ToArray();
        pass.Upsampling.Backward(upstream, hidden, projections);
        int offset = 0;
        for (int t = 0; t < pass.Sources.Length; t++)
        {
            var (values, c, h, w) = pass.Sources[t];
            Gemm.Multiply(false, true, hidden, c, h * w, 1f, projections[t], h * w, values, h * w, 0f, folded.AsSpan(offset), z);
            offset += c;
        }
        var biasGradient = new float[hidden];
        for (int o = 0; o < hidden; o++) biasGradient[o] = TensorPrimitives.Sum(upstream.AsSpan(o * cells, cells));

        // z = W·diag(1/σ)·(x − μ) + b: dL/dW = (Σ dz·xᵀ − (Σ dz)·μᵀ)·diag(1/σ), dL/db = Σ dz.
        var inverse = head.Std.Select(s => 1f / s).ToArray();
        var weightGradient = new float[hidden * z];
        for (int o = 0; o < hidden; o++)
        {
            var row = weightGradient.AsSpan(o * z, z);
            TensorPrimitives.MultiplyAdd(head.Mean, -biasGradient[o], folded.AsSpan(o * z, z), row);
            TensorPrimitives.Multiply(row, inverse, row);
        }
        weightGradients[0] = weightGradient;
        biasGradients[0] = biasGradient;
        return loss;
    }

    private sealed record Pass(float[] Logits, HypercolumnHead.Trace Trace, FactorisedUpsampling Upsampling,
        (float[] Values, int Channels, int Height, int Width)[] Sources);

    private static Pass Forward(HypercolumnHead head, HypercolumnMaps maps, float dropout, Random? random, bool keepTrace)
    {
        if (maps.Channels != head.InputSize)
            throw new TensorShapeException($"The head takes {head.InputSize}-long hypercolumns; these have {maps.Channels}.");
        int z = head.InputSize, hidden = head.Sizes[1], layers = head.LayerCount;
        int cells = maps.OutputHeight * maps.OutputWidth;
        var (weight, bias) = head.FoldedFirstLayer();
        var sources = GridSources(maps);
        var projections = new float[sources.Length][];
        int offset = 0;
        for (int t = 0; t < sources.Length; t++)
        {
            var (values, c, h, w) = sources[t];
            projections[t] = GC.AllocateUninitializedArray<float>(hidden * h * w);
            Gemm.Multiply(false, false, hidden, h * w, c, 1f, weight.AsSpan(offset, (hidden - 1) * z + c), z, values, h * w, 0f, projections[t], h * w);
            offset += c;
        }
        var upsampling = new FactorisedUpsampling(sources.Select(t => (t.Height, t.Width)).ToList(), maps.OutputHeight, maps.OutputWidth);
        var first = GC.AllocateUninitializedArray<float>(hidden * cells);
        upsampling.Forward(projections, bias, hidden, first, relu: layers > 1);

        var trace = HypercolumnHead.Trace.Empty(layers);
        var logits = head.ForwardFromSecondLayer(first, cells, dropout, random, keepTrace, trace);
        return new Pass(logits, trace, upsampling, sources);
    }

    /// <summary>
    /// What the first layer projects for each tap: the tap itself when it is coarser than the output grid
    /// (project, then upsample: the factorisation), or the tap resampled to the grid when it is at least as
    /// fine (resample the few channels, then project: cheaper than projecting to the hidden width first).
    /// Both orders compute the same W·interp(F), because interpolation is linear. Values may be longer than
    /// channels × height × width (a tap's pooled buffer, read in place).
    /// </summary>
    private static (float[] Values, int Channels, int Height, int Width)[] GridSources(HypercolumnMaps maps)
    {
        int gridHeight = maps.OutputHeight, gridWidth = maps.OutputWidth;
        return maps.Taps.Select(tap =>
        {
            var map = tap.Map;
            int c = map.Dim(0), h = map.Dim(1), w = map.Dim(2);
            if (h * w < gridHeight * gridWidth) return (map.Buffer, c, h, w);
            var resampled = GC.AllocateUninitializedArray<float>(c * gridHeight * gridWidth);
            Resize.Bilinear(map.Span, c, h, w, resampled, gridHeight, gridWidth);
            return (resampled, c, gridHeight, gridWidth);
        }).ToArray();
    }
}

/// <summary>SGD with momentum and decoupled-from-bias weight decay, as torch.optim.SGD: v = μv + (g + λw); w −= lr·v.</summary>
internal sealed class SgdMomentum(HypercolumnHead head, float momentum, float weightDecay)
{
    private readonly float[][] weightVelocity = head.Weights.Select(w => new float[w.Length]).ToArray();
    private readonly float[][] biasVelocity = head.Biases.Select(b => new float[b.Length]).ToArray();

    public float[][] WeightVelocity => weightVelocity;

    public float[][] BiasVelocity => biasVelocity;

    public void Step(float[][] weightGradients, float[][] biasGradients, float learningRate)
    {
        for (int l = 0; l < head.LayerCount; l++)
        {
            Update(head.Weights[l], weightGradients[l], weightVelocity[l], learningRate, weightDecay);
            Update(head.Biases[l], biasGradients[l], biasVelocity[l], learningRate, 0f);
        }
    }

    private void Update(float[] parameter, float[] gradient, float[] velocity, float learningRate, float decay)
    {
        if (decay != 0f) TensorPrimitives.MultiplyAdd(parameter, decay, gradient, gradient);
        TensorPrimitives.MultiplyAdd(velocity, momentum, gradient, velocity);
        TensorPrimitives.MultiplyAdd(velocity, -learningRate, parameter, parameter);
    }
}
