using System.Numerics.Tensors;
using Segmentation.ML.Tensors.Kernels;

namespace Segmentation.ML.Tensors;

/// <summary>
/// A fully connected layer in channels-first form, which is also a 1×1 convolution:
/// Y[out, P] = act(W[out, in] · X[in, P] + b), for P pixels or P samples alike.
/// </summary>
public static class Linear
{
    /// <summary>Y = act(W · X + b).</summary>
    /// <param name="weights">[outFeatures, inFeatures].</param>
    /// <param name="bias">[outFeatures] or empty.</param>
    /// <param name="x">[inFeatures, count].</param>
    /// <param name="y">[outFeatures, count]; must not overlap the inputs.</param>
    /// <param name="inFeatures">Input features.</param>
    /// <param name="outFeatures">Output features.</param>
    /// <param name="count">Columns (pixels or samples).</param>
    /// <param name="activation">Applied as Y is stored.</param>
    /// <exception cref="TensorShapeException">A length does not fit the sizes, or Y overlaps an input.</exception>
    public static unsafe void Forward(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y,
        int inFeatures, int outFeatures, int count, FusedActivation activation = FusedActivation.None)
    {
        Check(weights, (long)outFeatures * inFeatures, nameof(weights));
        if (!bias.IsEmpty) Check(bias, outFeatures, nameof(bias));
        Check(x, (long)inFeatures * count, nameof(x));
        Check(y, (long)outFeatures * count, nameof(y));
        if (y.Overlaps(x) || y.Overlaps(weights) || y.Overlaps(bias))
            throw new TensorShapeException("The output overlaps an input; use separate memory.", nameof(y));
        if (TensorKernels.UseReference)
        {
            Gemm.Multiply(false, false, outFeatures, count, inFeatures, 1f, weights, Math.Max(1, inFeatures), x, Math.Max(1, count), 0f, y, Math.Max(1, count));
            for (int o = 0; o < outFeatures; o++)
            {
                var row = y.Slice(o * count, count);
                if (!bias.IsEmpty) TensorPrimitives.Add(row, bias[o], row);
                Activations.Forward(row, row, activation);
            }
            return;
        }
        fixed (float* w = weights)
        fixed (float* b = bias)
        fixed (float* xp = x)
        fixed (float* yp = y)
        {
            GemmDriver.Run(outFeatures, count, inFeatures, 1f, w, Math.Max(1, inFeatures), false, new PackedMatrixB(xp, count, false),
                yp, count, accumulate: false, bias.IsEmpty ? null : b, activation);
        }
    }

    /// <summary>
    /// Gradients of Y = W · X + b (taken before the activation; apply <see cref="Activations.Backward"/> first):
    /// dW (+)= dY · Xᵀ, db (+)= Σ_columns dY, and, when requested, dX = Wᵀ · dY.
    /// </summary>
    /// <param name="weights">[outFeatures, inFeatures].</param>
    /// <param name="x">The forward input [inFeatures, count].</param>
    /// <param name="outputGradient">dY [outFeatures, count].</param>
    /// <param name="inputGradient">dX [inFeatures, count], or empty to skip it (the first layer).</param>
    /// <param name="weightGradient">dW [outFeatures, inFeatures].</param>
    /// <param name="biasGradient">db [outFeatures], or empty.</param>
    /// <param name="inFeatures">Input features.</param>
    /// <param name="outFeatures">Output features.</param>
    /// <param name="count">Columns.</param>
    /// <param name="accumulate">Add to dW and db instead of overwriting them (gradient accumulation over batches).</param>
    /// <exception cref="TensorShapeException">A length does not fit the sizes.</exception>
    public static void Backward(ReadOnlySpan<float> weights, ReadOnlySpan<float> x, ReadOnlySpan<float> outputGradient,
        Span<float> inputGradient, Span<float> weightGradient, Span<float> biasGradient,
        int inFeatures, int outFeatures, int count, bool accumulate = false)
    {
        Check(weights, (long)outFeatures * inFeatures, nameof(weights));
        Check(x, (long)inFeatures * count, nameof(x));
        Check(outputGradient, (long)outFeatures * count, nameof(outputGradient));
        if (!inputGradient.IsEmpty) Check(inputGradient, (long)inFeatures * count, nameof(inputGradient));
        Check(weightGradient, (long)outFeatures * inFeatures, nameof(weightGradient));
        if (!biasGradient.IsEmpty) Check(biasGradient, outFeatures, nameof(biasGradient));

        int ldx = Math.Max(1, count), ldw = Math.Max(1, inFeatures);
        Gemm.Multiply(false, true, outFeatures, inFeatures, count, 1f, outputGradient, ldx, x, ldx, accumulate ? 1f : 0f, weightGradient, ldw);
        if (!biasGradient.IsEmpty)
            for (int o = 0; o < outFeatures; o++)
            {
                float sum = TensorPrimitives.Sum(outputGradient.Slice(o * count, count));
                biasGradient[o] = accumulate ? biasGradient[o] + sum : sum;
            }
        if (!inputGradient.IsEmpty)
            Gemm.Multiply(true, false, inFeatures, count, outFeatures, 1f, weights, ldw, outputGradient, ldx, 0f, inputGradient, ldx);
    }

    private static void Check(ReadOnlySpan<float> span, long expected, string name)
    {
        if (span.Length != expected)
            throw new TensorShapeException($"{name} must have {expected} elements; it has {span.Length}.", name);
    }
}
