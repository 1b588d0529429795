using Segmentation.ML.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Segmentation.ML.Hypercolumns;

/// <summary>
/// The shallow classifier on hypercolumns: normalisation ((x − μ)/σ), then fully connected layers with
/// ReLU (and dropout in training) between them, ending in class scores. Weights are [out, in], applied
/// channels-first (Y = W·X + b over columns), so the same parameters serve sampled rows (stage A) and
/// whole images as 1×1 convolutions (stage B, inference).
/// </summary>
internal sealed class HypercolumnHead
{
    public HypercolumnHead(int inputSize, IReadOnlyList<int> hiddenSizes, int classes, Random random)
    {
        Sizes = [inputSize, .. hiddenSizes, classes];
        Mean = new float[inputSize];
        Std = Enumerable.Repeat(1f, inputSize).ToArray();
        Weights = new float[Sizes.Length - 1][];
        Biases = new float[Sizes.Length - 1][];
        for (int l = 0; l < Weights.Length; l++)
        {
            int fanIn = Sizes[l], fanOut = Sizes[l + 1];
            float bound = MathF.Sqrt(6f / fanIn) * (l == Weights.Length - 1 ? 0.5f : 1f);
            Weights[l] = new float[fanOut * fanIn];
            for (int i = 0; i < Weights[l].Length; i++) Weights[l][i] = (random.NextSingle() * 2 - 1) * bound;
            Biases[l] = new float[fanOut];
        }
    }

    public HypercolumnHead(int[] sizes, float[] mean, float[] std, float[][] weights, float[][] biases)
    {
        Sizes = sizes;
        Mean = mean;
        Std = std;
        Weights = weights;
        Biases = biases;
    }

    /// <summary>Z, the hidden sizes, C.</summary>
    public int[] Sizes { get; }

    public int InputSize => Sizes[0];

    public int Classes => Sizes[^1];

    public int LayerCount => Weights.Length;

    public float[] Mean { get; }

    public float[] Std { get; }

    public float[][] Weights { get; }

    public float[][] Biases { get; }

    /// <summary>The first layer with the normalisation folded in: W′ = W·diag(1/σ), b′ = b − W′μ.</summary>
    public (float[] Weight, float[] Bias) FoldedFirstLayer()
    {
        int z = InputSize, h = Sizes[1];
        var weight = new float[h * z];
        var bias = (float[])Biases[0].Clone();
        var inverse = Std.Select(s => 1f / s).ToArray();
        for (int o = 0; o < h; o++)
        {
            var row = weight.AsSpan(o * z, z);
            TensorPrimitives.Multiply(Weights[0].AsSpan(o * z, z), inverse, row);
            bias[o] -= TensorPrimitives.Dot(row, Mean);
        }
        return (weight, bias);
    }

    /// <summary>Activations kept by a training forward pass for its backward pass.</summary>
    public sealed class Trace
    {
        /// <summary>Inputs of each layer [in, count] (after ReLU and dropout), layer 0's normalised.</summary>
        public required float[][] Inputs { get; init; }

        /// <summary>Dropout masks of the hidden layers' outputs (null when dropout is off).</summary>
        public required float[]?[] Masks { get; init; }

        /// <summary>ReLU outputs before dropout, for the ReLU backward pass.</summary>
        public required float[][] Activations { get; init; }

        public static Trace Empty(int layers) => new() { Inputs = new float[layers][], Masks = new float[]?[layers], Activations = new float[layers][] };
    }

    /// <summary>
    /// Sparse forward on a batch of hypercolumns x [Z, count] (channels-first): returns logits [C, count].
    /// With <paramref name="trace"/>, dropout is applied with <paramref name="dropout"/> and activations kept.
    /// </summary>
    public float[] Forward(float[] x, int count, float dropout, Random? random, out Trace? trace, bool keepTrace)
    {
        var normalised = new float[x.Length];
        for (int z = 0; z < InputSize; z++)
        {
            var row = normalised.AsSpan(z * count, count);
            TensorPrimitives.Subtract(x.AsSpan(z * count, count), Mean[z], row);
            TensorPrimitives.Divide(row, Std[z], row);
        }
        var record = Trace.Empty(LayerCount);
        record.Inputs[0] = normalised;
        var first = new float[Sizes[1] * count];
        Linear.Forward(Weights[0], Biases[0], normalised, first, Sizes[0], Sizes[1], count, LayerCount > 1 ? FusedActivation.Relu : FusedActivation.None);
        var logits = ForwardFromSecondLayer(first, count, dropout, random, keepTrace, record);
        trace = keepTrace ? record : null;
        return logits;
    }

    /// <summary>
    /// Layers 1 … L−1 from the first layer's output [Sizes[1], count] (already ReLU'd when hidden), channels-first:
    /// dropout (when <paramref name="keepTrace"/>) and ReLU between layers, recording what the backward pass needs.
    /// </summary>
    public float[] ForwardFromSecondLayer(float[] first, int count, float dropout, Random? random, bool keepTrace, Trace trace)
    {
        float[] current = first;
        for (int l = 1; l < LayerCount; l++)
        {
            trace.Activations[l] = current;
            if (keepTrace && dropout > 0 && random is not null)
            {
                var mask = new float[current.Length];
                var dropped = new float[current.Length];
                Dropout.Forward(current, dropped, mask, dropout, random);
                trace.Masks[l] = mask;
                current = dropped;
            }
            trace.Inputs[l] = current;
            var output = new float[Sizes[l + 1] * count];
            Linear.Forward(Weights[l], Biases[l], current, output, Sizes[l], Sizes[l + 1], count, l < LayerCount - 1 ? FusedActivation.Relu : FusedActivation.None);
            current = output;
        }
        return current;
    }

    /// <summary>Gradients of the loss given dLogits [C, count] through a sparse trace; returns dW and db per layer.</summary>
    public (float[][] Weight, float[][] Bias) Backward(Trace trace, float[] logitGradient, int count)
    {
        var dW = new float[LayerCount][];
        var db = new float[LayerCount][];
        BackwardToLayer(0, trace, logitGradient, count, dW, db);
        return (dW, db);
    }

    /// <summary>
    /// Back-propagates dLogits through layers L−1 … <paramref name="lowest"/>, writing their dW and db. Returns the
    /// gradient with respect to layer <paramref name="lowest"/>'s input before dropout and ReLU were applied — for
    /// <paramref name="lowest"/> = 1, the first layer's pre-activation output, which the dense path carries on.
    /// </summary>
    public float[] BackwardToLayer(int lowest, Trace trace, float[] logitGradient, int count, float[][] dW, float[][] db)
    {
        float[] upstream = logitGradient;
        for (int l = LayerCount - 1; l >= lowest; l--)
        {
            int fanIn = Sizes[l], fanOut = Sizes[l + 1];
            dW[l] = new float[fanOut * fanIn];
            db[l] = new float[fanOut];
            var dInput = l > 0 ? new float[fanIn * count] : [];
            Linear.Backward(Weights[l], trace.Inputs[l], upstream, dInput, dW[l], db[l], fanIn, fanOut, count);
            if (l == 0) break;
            if (trace.Masks[l] is float[] mask) Dropout.Backward(dInput, mask, dInput);
            Activations.Backward(trace.Activations[l], dInput, dInput, FusedActivation.Relu);
            upstream = dInput;
        }
        return upstream;
    }

    /// <summary>Softmax cross-entropy over columns with labels (255 = no label); returns the mean loss and writes dLogits.</summary>
    public static double CrossEntropy(float[] logits, int classes, ReadOnlySpan<byte> labels, float[]? classWeights, float[] gradient)
    {
        int count = labels.Length;
        ChannelOps.Softmax(logits, classes, gradient);
        double loss = 0, weightSum = 0;
        for (int p = 0; p < count; p++)
        {
            int label = labels[p];
            if (label >= classes)
            {
                for (int c = 0; c < classes; c++) gradient[c * count + p] = 0f;
                continue;
            }
            float weight = classWeights?[label] ?? 1f;
            loss -= weight * Math.Log(Math.Max(gradient[label * count + p], 1e-30f));
            weightSum += weight;
            for (int c = 0; c < classes; c++) gradient[c * count + p] *= weight;
            gradient[label * count + p] -= weight;
        }
        if (weightSum == 0)
        {
            Array.Clear(gradient);
            return 0;
        }
        TensorPrimitives.Multiply(gradient, (float)(1 / weightSum), gradient);
        return loss / weightSum;
    }
}
