using System.Numerics.Tensors;

namespace Segmentation.ML.Tensors;

/// <summary>Elementwise activations and their backward passes (TensorPrimitives underneath).</summary>
public static class Activations
{
    /// <summary>destination = max(x, 0) (or min(max(x, 0), 6) for ReLU6); in place allowed.</summary>
    /// <exception cref="TensorShapeException">The lengths differ.</exception>
    public static void Forward(ReadOnlySpan<float> x, Span<float> destination, FusedActivation activation)
    {
        CheckSameLength(x.Length, destination.Length, nameof(destination));
        switch (activation)
        {
            case FusedActivation.Relu:
                TensorPrimitives.Max(x, 0f, destination);
                break;
            case FusedActivation.Relu6:
                TensorPrimitives.Clamp(x, 0f, 6f, destination);
                break;
            default:
                x.CopyTo(destination);
                break;
        }
    }

    /// <summary>
    /// inputGradient = outputGradient where the activation passed its input (0 &lt; y, and y &lt; 6 for ReLU6), else 0.
    /// Uses the forward output <paramref name="y"/>, so the input need not be kept.
    /// </summary>
    /// <exception cref="TensorShapeException">The lengths differ.</exception>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, FusedActivation activation)
    {
        CheckSameLength(y.Length, outputGradient.Length, nameof(outputGradient));
        CheckSameLength(y.Length, inputGradient.Length, nameof(inputGradient));
        if (activation == FusedActivation.None)
        {
            outputGradient.CopyTo(inputGradient);
            return;
        }
        float upper = activation == FusedActivation.Relu6 ? 6f : float.PositiveInfinity;
        for (int i = 0; i < y.Length; i++)
            inputGradient[i] = y[i] > 0f && y[i] < upper ? outputGradient[i] : 0f;
    }

    internal static void CheckSameLength(int expected, int actual, string name)
    {
        if (expected != actual)
            throw new TensorShapeException($"{name} must have {expected} elements; it has {actual}.", name);
    }
}

/// <summary>Inverted dropout: kept values are scaled by 1/(1 − p) in training so inference needs no scaling.</summary>
public static class Dropout
{
    /// <summary>Draws a mask (0 or 1/(1 − p) per element) and applies it: destination = x · mask.</summary>
    /// <param name="x">Input.</param>
    /// <param name="destination">Output; in place allowed.</param>
    /// <param name="mask">Receives the mask, to be passed to <see cref="Backward"/>.</param>
    /// <param name="probability">Drop probability in [0, 1).</param>
    /// <param name="random">The seeded generator that decides which elements drop.</param>
    /// <exception cref="ArgumentOutOfRangeException">The probability is outside [0, 1).</exception>
    /// <exception cref="TensorShapeException">The lengths differ.</exception>
    public static void Forward(ReadOnlySpan<float> x, Span<float> destination, Span<float> mask, float probability, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(probability >= 0f && probability < 1f))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "The drop probability must be in [0, 1).");
        Activations.CheckSameLength(x.Length, destination.Length, nameof(destination));
        Activations.CheckSameLength(x.Length, mask.Length, nameof(mask));
        float keep = 1f / (1f - probability);
        for (int i = 0; i < mask.Length; i++) mask[i] = random.NextSingle() < probability ? 0f : keep;
        TensorPrimitives.Multiply(x, mask, destination);
    }

    /// <summary>inputGradient = outputGradient · mask; in place allowed.</summary>
    /// <exception cref="TensorShapeException">The lengths differ.</exception>
    public static void Backward(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> mask, Span<float> inputGradient)
    {
        Activations.CheckSameLength(mask.Length, outputGradient.Length, nameof(outputGradient));
        Activations.CheckSameLength(mask.Length, inputGradient.Length, nameof(inputGradient));
        TensorPrimitives.Multiply(outputGradient, mask, inputGradient);
    }
}
